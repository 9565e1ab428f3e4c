import { joinCodes } from '../core/field-value.js';
import type { ExportDataset, ExportField, ExportForm, ExportRow, ExportValue } from './export-dataset.js';
import { attr, escapeText } from './xml-escape.js';

/**
 * CDISC ODM 1.3.2 writer (issue 16): the forms' metadata (Study, MetaDataVersion, StudyEventDef,
 * FormDef, ItemGroupDef, ItemDef, CodeList, MeasurementUnit) and the ClinicalData of a de-identified
 * export, streamed row by row (SubjectData > StudyEventData > FormData > ItemGroupData > ItemData,
 * which is the dataset's own order) so memory stays flat in the number of records. What ODM has no
 * attribute for (the TrialVault type, data class and de-identification transform of an item, the
 * export's profile and recipient) travels in Alias elements of context "TrialVault:*", so the reader
 * (odm-clinical-data-reader.ts) rebuilds the dataset and write -> read -> write is byte-identical.
 * Validated against the ODM 1.3.2 XSD (../shared/vectors/odm-1.3.2) in odm-clinical-data.test.ts.
 */

export const ODM_NAMESPACE = 'http://www.cdisc.org/ns/odm/v1.3';
export const ALIAS = 'TrialVault:';
export const MDV_OID = 'MDV.1';

const DATA_TYPES: Record<ExportField['type'], string> = {
  text: 'text',
  integer: 'integer',
  decimal: 'float',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
  choice: 'text',
  // ODM has no multi-select: a text item, its value the ticked codes joined by "," (docs/export-formats.md).
  multichoice: 'text',
};

export const itemGroupOid = (form: ExportForm) => `IG.${form.oid}`;
export const itemOid = (form: ExportForm, field: ExportField) => `IT.${form.oid}.${field.oid}`;
export const codeListOid = (form: ExportForm, field: ExportField) => `CL.${form.oid}.${field.oid}`;
export const unitOid = (unit: string) => `MU.${unit}`;
export const eventOid = (event: string) => `SE.${event}`;
export const siteOid = (site: string) => `LOC.${site}`;

const alias = (pad: string, context: string, name: string) =>
  `${pad}<Alias Context=${attr(ALIAS + context)} Name=${attr(name)}/>\n`;
const translated = (tag: string, pad: string, text: string) =>
  `${pad}<${tag}>\n${pad}  <TranslatedText xml:lang="en">${escapeText(text)}</TranslatedText>\n${pad}</${tag}>\n`;

/** A value as ODM writes it in ItemData/@Value (booleans as true/false, numbers as JavaScript prints them). */
export function odmValue(value: Exclude<ExportValue, null>): string {
  if (Array.isArray(value)) return joinCodes(value);
  return typeof value === 'string' ? value : String(value);
}

function itemDef(form: ExportForm, field: ExportField): string {
  // A top-coded age ('90+') is no longer an integer: say text, the alias keeps the original type.
  const type = field.transform === 'age-top-coded' ? 'text' : DATA_TYPES[field.type];
  let xml = `      <ItemDef OID=${attr(itemOid(form, field))} Name=${attr(field.oid)} DataType=${attr(type)}>\n`;
  xml += translated('Question', '        ', field.label);
  if (field.unit !== undefined)
    xml += `        <MeasurementUnitRef MeasurementUnitOID=${attr(unitOid(field.unit))}/>\n`;
  if (field.choices !== undefined)
    xml += `        <CodeListRef CodeListOID=${attr(codeListOid(form, field))}/>\n`;
  xml += alias('        ', 'type', field.type);
  xml += alias('        ', 'dataClass', field.dataClass);
  xml += alias('        ', 'transform', field.transform);
  return `${xml}      </ItemDef>\n`;
}

function codeList(form: ExportForm, field: ExportField): string {
  let xml = `      <CodeList OID=${attr(codeListOid(form, field))} Name=${attr(field.oid)} DataType="text">\n`;
  for (const choice of field.choices ?? []) {
    xml += `        <CodeListItem CodedValue=${attr(choice.code)}>\n`;
    xml += translated('Decode', '          ', choice.label);
    xml += '        </CodeListItem>\n';
  }
  return `${xml}      </CodeList>\n`;
}

/** Study metadata: the forms exported, the events seen in the rows, the units the items use. */
function studyXml(dataset: ExportDataset, events: ReadonlyMap<string, ReadonlySet<string>>): string {
  const { study, info, forms } = dataset;
  const units = [
    ...new Set(forms.flatMap((f) => f.fields.flatMap((x) => (x.unit === undefined ? [] : [x.unit])))),
  ];
  let xml = `  <Study OID=${attr(study.protocolId)}>\n    <GlobalVariables>\n`;
  xml += `      <StudyName>${escapeText(study.title)}</StudyName>\n`;
  xml += `      <StudyDescription>${escapeText(study.title)}</StudyDescription>\n`;
  xml += `      <ProtocolName>${escapeText(study.protocolId)}</ProtocolName>\n    </GlobalVariables>\n`;
  if (units.length > 0) {
    xml += '    <BasicDefinitions>\n';
    for (const unit of units) {
      xml += `      <MeasurementUnit OID=${attr(unitOid(unit))} Name=${attr(unit)}>\n`;
      xml += translated('Symbol', '        ', unit);
      xml += '      </MeasurementUnit>\n';
    }
    xml += '    </BasicDefinitions>\n';
  }
  xml += `    <MetaDataVersion OID="${MDV_OID}" Name=${attr(`${study.protocolId} export`)}>\n      <Protocol>\n`;
  [...events.keys()].forEach((event, i) => {
    xml += `        <StudyEventRef StudyEventOID=${attr(eventOid(event))} OrderNumber="${i + 1}" Mandatory="No"/>\n`;
  });
  xml += alias('        ', 'profile', info.profile);
  xml += alias('        ', 'dates', info.dates);
  xml += alias('        ', 'recipient', info.recipient);
  xml += alias('        ', 'purpose', info.purpose);
  xml += alias('        ', 'isDemo', String(study.isDemo));
  xml += '      </Protocol>\n';
  for (const [event, formOids] of events) {
    xml += `      <StudyEventDef OID=${attr(eventOid(event))} Name=${attr(event)} Repeating="No" Type="Scheduled">\n`;
    for (const form of forms.filter((f) => formOids.has(f.oid))) {
      xml += `        <FormRef FormOID=${attr(form.oid)} Mandatory="No"/>\n`;
    }
    xml += '      </StudyEventDef>\n';
  }
  for (const form of forms) {
    xml += `      <FormDef OID=${attr(form.oid)} Name=${attr(form.name)} Repeating="${form.repeating ? 'Yes' : 'No'}">\n`;
    xml += `        <ItemGroupRef ItemGroupOID=${attr(itemGroupOid(form))} Mandatory="Yes"/>\n`;
    xml += alias('        ', 'version', String(form.version));
    xml += '      </FormDef>\n';
  }
  for (const form of forms) {
    xml += `      <ItemGroupDef OID=${attr(itemGroupOid(form))} Name=${attr(form.name)} Repeating="No">\n`;
    for (const field of form.fields)
      xml += `        <ItemRef ItemOID=${attr(itemOid(form, field))} Mandatory="No"/>\n`;
    xml += '      </ItemGroupDef>\n';
  }
  for (const form of forms) for (const field of form.fields) xml += itemDef(form, field);
  for (const form of forms)
    for (const field of form.fields) if (field.choices !== undefined) xml += codeList(form, field);
  return `${xml}    </MetaDataVersion>\n  </Study>\n`;
}

function adminXml(dataset: ExportDataset, sites: ReadonlySet<string>): string {
  if (sites.size === 0) return '';
  let xml = '  <AdminData>\n';
  for (const site of sites) {
    xml += `    <Location OID=${attr(siteOid(site))} Name=${attr(site)} LocationType="Site">\n`;
    xml += `      <MetaDataVersionRef StudyOID=${attr(dataset.study.protocolId)} MetaDataVersionOID="${MDV_OID}" EffectiveDate=${attr(dataset.info.createdAt.slice(0, 10))}/>\n`;
    xml += '    </Location>\n';
  }
  return `${xml}  </AdminData>\n`;
}

function formDataXml(form: ExportForm, row: ExportRow): string {
  let xml = `        <FormData FormOID=${attr(form.oid)}>\n`;
  if (row.formVersion !== form.version) {
    // The version the values were entered under, when older than the metadata's.
    xml += `          <Annotation SeqNum="1">\n            <Comment>${ALIAS}formVersion=${row.formVersion}</Comment>\n          </Annotation>\n`;
  }
  xml += `          <ItemGroupData ItemGroupOID=${attr(itemGroupOid(form))}>\n`;
  for (const field of form.fields) {
    if (!Object.hasOwn(row.values, field.oid)) continue;
    const value = row.values[field.oid] ?? null;
    xml +=
      value === null
        ? `            <ItemData ItemOID=${attr(itemOid(form, field))} IsNull="Yes"/>\n`
        : `            <ItemData ItemOID=${attr(itemOid(form, field))} Value=${attr(odmValue(value))}/>\n`;
  }
  return `${xml}          </ItemGroupData>\n        </FormData>\n`;
}

/**
 * Writes the ODM document through `write`. Two passes over the rows: the first collects the events
 * (per event, its forms) and sites the metadata must declare, the second streams the ClinicalData.
 */
export async function writeOdm(
  dataset: ExportDataset,
  write: (chunk: string) => Promise<void>,
): Promise<void> {
  const events = new Map<string, Set<string>>();
  const sites = new Set<string>();
  for await (const row of dataset.rows()) {
    const forms = events.get(row.event) ?? new Set<string>();
    forms.add(row.form);
    events.set(row.event, forms);
    if (row.site !== null) sites.add(row.site);
  }
  const { info, study } = dataset;
  await write(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ODM xmlns="${ODM_NAMESPACE}" ODMVersion="1.3.2" FileType="Snapshot" Granularity="All" FileOID=${attr(info.exportId)} CreationDateTime=${attr(info.createdAt)} Originator="TrialVault" SourceSystem="TrialVault">\n`,
  );
  await write(studyXml(dataset, events) + adminXml(dataset, sites));
  await write(`  <ClinicalData StudyOID=${attr(study.protocolId)} MetaDataVersionOID="${MDV_OID}">\n`);
  const formsByOid = new Map(dataset.forms.map((f) => [f.oid, f]));
  let subject: string | undefined;
  let event: string | undefined;
  for await (const row of dataset.rows()) {
    const form = formsByOid.get(row.form);
    if (form === undefined) continue;
    let chunk = '';
    if (row.subject !== subject) {
      if (event !== undefined) chunk += '      </StudyEventData>\n';
      if (subject !== undefined) chunk += '    </SubjectData>\n';
      chunk += `    <SubjectData SubjectKey=${attr(row.subject)}>\n`;
      if (row.site !== null) chunk += `      <SiteRef LocationOID=${attr(siteOid(row.site))}/>\n`;
      subject = row.subject;
      event = undefined;
    }
    if (row.event !== event) {
      if (event !== undefined) chunk += '      </StudyEventData>\n';
      chunk += `      <StudyEventData StudyEventOID=${attr(eventOid(row.event))}>\n`;
      event = row.event;
    }
    await write(chunk + formDataXml(form, row));
  }
  let tail = '';
  if (event !== undefined) tail += '      </StudyEventData>\n';
  if (subject !== undefined) tail += '    </SubjectData>\n';
  await write(`${tail}  </ClinicalData>\n</ODM>\n`);
}
