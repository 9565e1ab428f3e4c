import { XMLParser } from 'fast-xml-parser';
import { appError } from '../core/errors.js';
import { splitCodes } from '../core/field-value.js';
import { err, ok, type Result } from '../core/result.js';
import { DATA_CLASSES, type DataClass, FIELD_TYPES, type FieldType } from '../forms/form-definition.js';
import { isMissingCode } from '../forms/logic/missing-codes.js';
import {
  DATE_TREATMENTS,
  type DateTreatment,
  datasetOf,
  EXPORT_PROFILES,
  type ExportDataset,
  type ExportField,
  type ExportForm,
  type ExportProfile,
  type ExportRow,
  type ExportValue,
  type FieldTransform,
} from './export-dataset.js';
import { ALIAS, codeListOid, itemGroupOid, itemOid } from './odm-clinical-data.js';
import { unescapeXml } from './xml-escape.js';

/**
 * Reads an ODM 1.3.2 file written by odm-clinical-data.ts back into an export dataset: the import
 * half of the round trip (issue 16: export -> read -> export is byte-identical). It holds the whole
 * document in memory (fast-xml-parser builds a tree); the writer streams.
 */

type Node = Record<string, unknown>;

const REPEATED = new Set(
  'StudyEventRef StudyEventDef FormRef FormDef ItemGroupRef ItemGroupDef ItemRef ItemDef CodeList CodeListItem MeasurementUnit Alias SubjectData StudyEventData FormData ItemGroupData ItemData Location Annotation TranslatedText Study ClinicalData'.split(
    ' ',
  ),
);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  alwaysCreateTextNode: true,
  isArray: (name) => REPEATED.has(name),
});

const nodes = (parent: unknown, name: string): Node[] =>
  typeof parent === 'object' && parent !== null ? (((parent as Node)[name] as Node[] | undefined) ?? []) : [];
const node = (parent: unknown, name: string): Node | undefined => {
  const value = typeof parent === 'object' && parent !== null ? (parent as Node)[name] : undefined;
  return Array.isArray(value) ? (value[0] as Node | undefined) : (value as Node | undefined);
};
const attrOf = (n: Node | undefined, name: string): string | undefined => {
  const value = n?.[`@${name}`];
  return typeof value === 'string' ? unescapeXml(value) : undefined;
};
const textOf = (n: Node | undefined): string => {
  const value = n?.['#text'];
  return typeof value === 'string' ? unescapeXml(value) : '';
};
const translatedText = (n: Node | undefined) => textOf(nodes(n, 'TranslatedText')[0]);
const aliases = (n: Node | undefined): Map<string, string> =>
  new Map(
    nodes(n, 'Alias').flatMap((a) => {
      const context = attrOf(a, 'Context');
      return context?.startsWith(ALIAS)
        ? [[context.slice(ALIAS.length), attrOf(a, 'Name') ?? ''] as const]
        : [];
    }),
  );

class OdmShapeError extends Error {}
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new OdmShapeError(what);
  return value;
}
function oneOf<T extends string>(values: readonly T[], value: string | undefined, what: string): T {
  if (value === undefined || !(values as readonly string[]).includes(value)) throw new OdmShapeError(what);
  return value as T;
}

const TRANSFORMS: readonly FieldTransform[] = [
  'none',
  'date-shifted',
  'year',
  'zip3',
  'age-top-coded',
  'scrubbed',
];
const DATES: readonly DateTreatment[] = [...DATE_TREATMENTS, 'kept'];

function readForms(mdv: Node, units: ReadonlyMap<string, string>): ExportForm[] {
  const itemDefs = new Map(nodes(mdv, 'ItemDef').map((d) => [attrOf(d, 'OID'), d]));
  const codeLists = new Map(nodes(mdv, 'CodeList').map((c) => [attrOf(c, 'OID'), c]));
  const groups = new Map(nodes(mdv, 'ItemGroupDef').map((g) => [attrOf(g, 'OID'), g]));
  return nodes(mdv, 'FormDef').map((formDef) => {
    const oid = required(attrOf(formDef, 'OID'), 'FormDef OID');
    const shell = { oid } as ExportForm;
    const group = groups.get(itemGroupOid(shell));
    const fields = nodes(group, 'ItemRef').map((ref): ExportField => {
      const def = required(itemDefs.get(attrOf(ref, 'ItemOID')), 'ItemDef');
      const tv = aliases(def);
      const field: { -readonly [K in keyof ExportField]: ExportField[K] } = {
        oid: required(attrOf(def, 'Name'), 'ItemDef Name'),
        label: translatedText(node(def, 'Question')),
        type: oneOf<FieldType>(FIELD_TYPES, tv.get('type'), 'item type'),
        dataClass: oneOf<DataClass>(DATA_CLASSES, tv.get('dataClass'), 'item data class'),
        transform: oneOf(TRANSFORMS, tv.get('transform'), 'item transform'),
      };
      const unitRef = attrOf(node(def, 'MeasurementUnitRef'), 'MeasurementUnitOID');
      if (unitRef !== undefined) field.unit = required(units.get(unitRef), 'MeasurementUnit');
      if (node(def, 'CodeListRef') !== undefined) {
        const list = codeLists.get(codeListOid(shell, field));
        field.choices = nodes(list, 'CodeListItem').map((item) => ({
          code: required(attrOf(item, 'CodedValue'), 'CodedValue'),
          label: translatedText(node(item, 'Decode')),
        }));
      }
      return field;
    });
    return {
      oid,
      name: attrOf(formDef, 'Name') ?? oid,
      repeating: attrOf(formDef, 'Repeating') === 'Yes',
      version: Number(aliases(formDef).get('version') ?? 1),
      fields,
    };
  });
}

function typedValue(field: ExportField, raw: string): ExportValue {
  if (
    (field.type === 'integer' || field.type === 'decimal') &&
    /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(raw)
  ) {
    return Number(raw);
  }
  if (field.type === 'boolean') return raw === 'true' || raw === '1';
  // A multichoice value is its codes joined by ","; a missing-data code stays the code.
  if (field.type === 'multichoice' && !isMissingCode(raw) && raw !== '') return splitCodes(raw);
  return raw;
}

function readRows(clinical: Node | undefined, forms: readonly ExportForm[]): ExportRow[] {
  const formsByOid = new Map(forms.map((f) => [f.oid, f]));
  const rows: ExportRow[] = [];
  for (const subject of nodes(clinical, 'SubjectData')) {
    const subjectKey = required(attrOf(subject, 'SubjectKey'), 'SubjectKey');
    const location = attrOf(node(subject, 'SiteRef'), 'LocationOID');
    for (const event of nodes(subject, 'StudyEventData')) {
      const eventName = required(attrOf(event, 'StudyEventOID'), 'StudyEventOID').replace(/^SE\./, '');
      for (const formData of nodes(event, 'FormData')) {
        const form = required(formsByOid.get(attrOf(formData, 'FormOID') ?? ''), 'FormDef of FormData');
        const note = nodes(formData, 'Annotation')
          .map((a) => textOf(node(a, 'Comment')))
          .find((c) => c.startsWith(`${ALIAS}formVersion=`));
        const values: Record<string, ExportValue> = {};
        const items = new Map(
          nodes(formData, 'ItemGroupData').flatMap((g) =>
            nodes(g, 'ItemData').map((d) => [attrOf(d, 'ItemOID'), d]),
          ),
        );
        for (const field of form.fields) {
          const item = items.get(itemOid(form, field));
          if (item === undefined) continue;
          const raw = attrOf(item, 'Value');
          values[field.oid] =
            attrOf(item, 'IsNull') === 'Yes' || raw === undefined ? null : typedValue(field, raw);
        }
        rows.push({
          subject: subjectKey,
          site: location === undefined ? null : location.replace(/^LOC\./, ''),
          event: eventName,
          form: form.oid,
          formVersion: note === undefined ? form.version : Number(note.split('=')[1]),
          values,
        });
      }
    }
  }
  return rows;
}

/** Parses an ODM document written by the export; refuses one whose shape it does not know. */
export function readOdm(xml: string): Result<ExportDataset> {
  try {
    const root = required(node(parser.parse(xml), 'ODM'), 'ODM root');
    const study = required(node(root, 'Study'), 'Study');
    const mdv = required(node(study, 'MetaDataVersion'), 'MetaDataVersion');
    const units = new Map(
      nodes(node(study, 'BasicDefinitions'), 'MeasurementUnit').map((u) => [
        attrOf(u, 'OID') ?? '',
        translatedText(node(u, 'Symbol')),
      ]),
    );
    const protocol = aliases(node(mdv, 'Protocol'));
    const forms = readForms(mdv, units);
    const globals = node(study, 'GlobalVariables');
    return ok(
      datasetOf(
        {
          protocolId: required(attrOf(study, 'OID'), 'Study OID'),
          title: textOf(node(globals, 'StudyName')),
          isDemo: protocol.get('isDemo') === 'true',
        },
        {
          exportId: required(attrOf(root, 'FileOID'), 'FileOID'),
          profile: oneOf<ExportProfile>(EXPORT_PROFILES, protocol.get('profile'), 'profile'),
          // A file written before the date treatment was recorded says nothing: its dates are not claimed.
          dates: oneOf(DATES, protocol.get('dates') ?? 'kept', 'date treatment'),
          recipient: protocol.get('recipient') ?? '',
          purpose: protocol.get('purpose') ?? '',
          createdAt: required(attrOf(root, 'CreationDateTime'), 'CreationDateTime'),
        },
        forms,
        readRows(node(root, 'ClinicalData'), forms),
      ),
    );
  } catch (cause) {
    // The message names the ODM element, never a value (values may be clinical data).
    const what = cause instanceof OdmShapeError ? cause.message : 'XML';
    return err(appError('IMPORT_REJECTED', `not an ODM export this server can read (${what})`));
  }
}
