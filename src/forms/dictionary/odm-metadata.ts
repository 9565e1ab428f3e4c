import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FieldDefinition, FormDefinition } from '../form-definition.js';
import type { Candidate, DictionaryIssue, Parsed, Place } from './dictionary.js';

/**
 * CDISC ODM 1.3.2 study metadata (Study > MetaDataVersion > FormDef, ItemGroupDef, ItemDef, CodeList,
 * ConditionDef, MethodDef), written and read. One FormDef per form with one ItemGroupDef `IG.FORM`;
 * fields are ItemDefs `IT.FORM.FIELD`, choices CodeLists `CL.FORM.FIELD`, min/max RangeChecks, a
 * calculation a MethodDef (Type Computation) and branching a ConditionDef (the ODM condition under
 * which the item is NOT collected: `not (show)`), both with FormalExpression Context "TrialVault".
 * What ODM has no place for (type, data class, pattern, lookup, checks) travels in Alias elements of
 * context "TrialVault:*". Validated against the ODM 1.3.2 XSD in dictionary.test.ts.
 */
const NS = 'http://www.cdisc.org/ns/odm/v1.3';
const ALIAS = 'TrialVault:';
const LOGIC = 'TrialVault';
const TYPES: Record<FieldDefinition['type'], string> = {
  text: 'text',
  integer: 'integer',
  decimal: 'float',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
  choice: 'text',
  // ODM has no multi-select: a text item with the CodeList; the Alias type says multichoice.
  multichoice: 'text',
};
const FROM_ODM: Record<string, FieldDefinition['type']> = {
  text: 'text',
  string: 'text',
  integer: 'integer',
  float: 'decimal',
  double: 'decimal',
  date: 'date',
  datetime: 'datetime',
  boolean: 'boolean',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const attr = (v: string) => `"${esc(v)}"`;
const translated = (tag: string, pad: string, text: string) =>
  `${pad}<${tag}>\n${pad}  <TranslatedText xml:lang="en">${esc(text)}</TranslatedText>\n${pad}</${tag}>\n`;
const alias = (pad: string, context: string, name: string) =>
  `${pad}<Alias Context=${attr(ALIAS + context)} Name=${attr(name)}/>\n`;
const ig = (f: FormDefinition) => `IG.${f.oid}`;
const it = (f: FormDefinition, x: FieldDefinition) => `IT.${f.oid}.${x.oid}`;
const cl = (f: FormDefinition, x: FieldDefinition) => `CL.${f.oid}.${x.oid}`;
const cd = (f: FormDefinition, x: FieldDefinition) => `CD.${f.oid}.${x.oid}`;
const mt = (f: FormDefinition, x: FieldDefinition) => `MT.${f.oid}.${x.oid}`;
const mu = (unit: string) => `MU.${unit.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

function itemDef(form: FormDefinition, field: FieldDefinition): string {
  const length = field.maxLength === undefined ? '' : ` Length="${field.maxLength}"`;
  let xml = `      <ItemDef OID=${attr(it(form, field))} Name=${attr(field.oid)} DataType="${TYPES[field.type]}"${length}>\n`;
  if (field.help !== undefined) xml += translated('Description', '        ', field.help);
  xml += translated('Question', '        ', field.label);
  if (field.unit !== undefined)
    xml += `        <MeasurementUnitRef MeasurementUnitOID=${attr(mu(field.unit))}/>\n`;
  for (const [comparator, value] of [
    ['GE', field.min],
    ['LE', field.max],
  ] as const) {
    if (value === undefined) continue;
    xml += `        <RangeCheck Comparator="${comparator}" SoftHard="Hard">\n          <CheckValue>${value}</CheckValue>\n        </RangeCheck>\n`;
  }
  if (field.choices !== undefined) xml += `        <CodeListRef CodeListOID=${attr(cl(form, field))}/>\n`;
  xml += alias('        ', 'type', field.type);
  xml += alias('        ', 'dataClass', field.class);
  if (field.pattern !== undefined) xml += alias('        ', 'pattern', field.pattern);
  if (field.lookup !== undefined) xml += alias('        ', 'lookup', field.lookup);
  return `${xml}      </ItemDef>\n`;
}

function expression(tag: string, oid: string, extra: string, description: string, expr: string): string {
  return (
    `      <${tag} OID=${attr(oid)} Name=${attr(oid)}${extra}>\n${translated('Description', '        ', description)}` +
    `        <FormalExpression Context="${LOGIC}">${esc(expr)}</FormalExpression>\n      </${tag}>\n`
  );
}

/** ODM study metadata of the forms; `at` is the file's creation time (given, so output is reproducible). */
export function writeOdmMetadata(
  study: { protocolId: string; title: string },
  forms: readonly FormDefinition[],
  at: string,
): string {
  const units = [
    ...new Set(forms.flatMap((f) => f.fields.flatMap((x) => (x.unit === undefined ? [] : [x.unit])))),
  ];
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<ODM xmlns="${NS}" FileType="Snapshot" FileOID=${attr(`TV.${study.protocolId}.forms`)} CreationDateTime=${attr(at)} ODMVersion="1.3.2" Granularity="Metadata">\n`;
  xml += `  <Study OID=${attr(study.protocolId)}>\n    <GlobalVariables>\n`;
  xml += `      <StudyName>${esc(study.title)}</StudyName>\n      <StudyDescription>${esc(study.title)}</StudyDescription>\n`;
  xml += `      <ProtocolName>${esc(study.protocolId)}</ProtocolName>\n    </GlobalVariables>\n`;
  if (units.length > 0) {
    xml += '    <BasicDefinitions>\n';
    for (const unit of units) {
      xml += `      <MeasurementUnit OID=${attr(mu(unit))} Name=${attr(unit)}>\n${translated('Symbol', '        ', unit)}      </MeasurementUnit>\n`;
    }
    xml += '    </BasicDefinitions>\n';
  }
  xml += `    <MetaDataVersion OID="MDV.1" Name=${attr(`${study.protocolId} forms`)}>\n`;
  for (const form of forms) {
    xml += `      <FormDef OID=${attr(form.oid)} Name=${attr(form.name)} Repeating="${form.repeating === true ? 'Yes' : 'No'}">\n`;
    if (form.description !== undefined) xml += translated('Description', '        ', form.description);
    xml += `        <ItemGroupRef ItemGroupOID=${attr(ig(form))} Mandatory="Yes"/>\n`;
    for (const check of form.checks ?? [])
      xml += alias('        ', 'check', `${check.id}|${check.message}|${check.expr}`);
    xml += '      </FormDef>\n';
  }
  for (const form of forms) {
    xml += `      <ItemGroupDef OID=${attr(ig(form))} Name=${attr(form.name)} Repeating="No">\n`;
    form.fields.forEach((field, i) => {
      const method = field.calc === undefined ? '' : ` MethodOID=${attr(mt(form, field))}`;
      const condition =
        field.show === undefined ? '' : ` CollectionExceptionConditionOID=${attr(cd(form, field))}`;
      xml += `        <ItemRef ItemOID=${attr(it(form, field))} OrderNumber="${i + 1}" Mandatory="${field.required === true ? 'Yes' : 'No'}"${method}${condition}/>\n`;
    });
    xml += '      </ItemGroupDef>\n';
  }
  for (const form of forms) for (const field of form.fields) xml += itemDef(form, field);
  for (const form of forms) {
    for (const field of form.fields) {
      if (field.choices === undefined) continue;
      xml += `      <CodeList OID=${attr(cl(form, field))} Name=${attr(field.oid)} DataType="text">\n`;
      for (const choice of field.choices) {
        xml += `        <CodeListItem CodedValue=${attr(choice.code)}>\n${translated('Decode', '          ', choice.label)}        </CodeListItem>\n`;
      }
      xml += '      </CodeList>\n';
    }
  }
  for (const form of forms) {
    for (const field of form.fields) {
      if (field.show === undefined) continue;
      xml += expression(
        'ConditionDef',
        cd(form, field),
        '',
        `${field.oid} is not collected unless ${field.show}`,
        `not (${field.show})`,
      );
    }
  }
  for (const form of forms) {
    for (const field of form.fields) {
      if (field.calc === undefined) continue;
      xml += expression(
        'MethodDef',
        mt(form, field),
        ' Type="Computation"',
        `${field.oid} is calculated`,
        field.calc,
      );
    }
  }
  return `${xml}    </MetaDataVersion>\n  </Study>\n</ODM>\n`;
}

type Node = Record<string, unknown>;
const ARRAYS = new Set([
  'Study',
  'MetaDataVersion',
  'FormDef',
  'ItemGroupDef',
  'ItemGroupRef',
  'ItemRef',
  'ItemDef',
  'CodeList',
  'CodeListItem',
  'EnumeratedItem',
  'Alias',
  'RangeCheck',
  'CheckValue',
  'ConditionDef',
  'MethodDef',
  'FormalExpression',
  'TranslatedText',
  'MeasurementUnit',
  'MeasurementUnitRef',
]);

const list = (node: unknown, name: string): Node[] => {
  const v = (node as Node | undefined)?.[name];
  return Array.isArray(v) ? (v as Node[]) : [];
};
const at = (node: Node, name: string): string | undefined => {
  const v = node[`@${name}`];
  return typeof v === 'string' ? v : undefined;
};
function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (node !== null && typeof node === 'object') {
    const t = (node as Node)['#text'];
    return typeof t === 'string' || typeof t === 'number' ? String(t) : '';
  }
  return undefined;
}
/** The English (or first) TranslatedText of a Question, Description or Decode. */
function translatedOf(node: Node, name: string): string | undefined {
  const holder = node[name];
  const texts = list(Array.isArray(holder) ? holder[0] : holder, 'TranslatedText');
  const chosen = texts.find((t) => at(t, 'xml:lang') === 'en') ?? texts[0];
  return chosen === undefined ? undefined : textOf(chosen);
}
const aliasOf = (node: Node, context: string) =>
  list(node, 'Alias')
    .filter((a) => at(a, 'Context') === ALIAS + context)
    .map((a) => at(a, 'Name') ?? '');
const formalOf = (node: Node) => {
  const all = list(node, 'FormalExpression');
  return textOf(all.find((f) => at(f, 'Context') === LOGIC) ?? all[0]);
};

/** Reads the forms of the first Study's first MetaDataVersion of an ODM 1.3.x file. */
export function readOdmMetadata(content: string): Parsed {
  const valid = XMLValidator.validate(content);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    return {
      forms: [],
      issues: [{ line, column: String(col), element: 'ODM', message: `not well-formed XML: ${msg}` }],
    };
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ARRAYS.has(name),
  }).parse(content) as Node;
  const issues: DictionaryIssue[] = [];
  const mdv = list(list(doc.ODM, 'Study')[0], 'MetaDataVersion')[0];
  if (mdv === undefined)
    return {
      forms: [],
      issues: [{ element: 'MetaDataVersion', message: 'no Study with a MetaDataVersion' }],
    };
  const byOid = (name: string) => new Map(list(mdv, name).map((n) => [at(n, 'OID') ?? '', n]));
  const groups = byOid('ItemGroupDef');
  const items = byOid('ItemDef');
  const codeLists = byOid('CodeList');
  const conditions = byOid('ConditionDef');
  const methods = byOid('MethodDef');
  const forms: Candidate[] = list(mdv, 'FormDef').map((formDef) => {
    const formOid = at(formDef, 'OID') ?? '';
    const fields: Node[] = [];
    const places: Place[] = [];
    for (const ref of list(formDef, 'ItemGroupRef')) {
      const groupOid = at(ref, 'ItemGroupOID') ?? '';
      const group = groups.get(groupOid);
      if (group === undefined) {
        issues.push({
          element: 'ItemGroupRef',
          oid: groupOid,
          message: `FormDef ${formOid} names an ItemGroupDef that does not exist`,
        });
        continue;
      }
      for (const itemRef of list(group, 'ItemRef')) {
        const itemOid = at(itemRef, 'ItemOID') ?? '';
        const item = items.get(itemOid);
        if (item === undefined) {
          issues.push({
            element: 'ItemRef',
            oid: itemOid,
            message: `ItemGroupDef ${groupOid} names an ItemDef that does not exist`,
          });
          continue;
        }
        const place: Place = { element: 'ItemDef', oid: itemOid };
        const field: Node = {
          oid: at(item, 'Name') ?? '',
          label: translatedOf(item, 'Question') ?? at(item, 'Name') ?? '',
        };
        const odmType = at(item, 'DataType') ?? '';
        const codeRef = (item.CodeListRef as Node | undefined) ?? undefined;
        field.type = aliasOf(item, 'type')[0] ?? (codeRef !== undefined ? 'choice' : FROM_ODM[odmType]);
        if (field.type === undefined)
          issues.push({ ...place, message: `DataType ${odmType} is not supported` });
        field.class = aliasOf(item, 'dataClass')[0] ?? 'clinical';
        if (at(itemRef, 'Mandatory') === 'Yes') field.required = true;
        for (const range of list(item, 'RangeCheck')) {
          const value = Number(textOf(list(range, 'CheckValue')[0]));
          const comparator = at(range, 'Comparator');
          if (!Number.isFinite(value) || (comparator !== 'GE' && comparator !== 'LE')) {
            issues.push({
              ...place,
              message: 'only RangeChecks GE and LE with a numeric CheckValue are supported',
            });
          } else field[comparator === 'GE' ? 'min' : 'max'] = value;
        }
        const pattern = aliasOf(item, 'pattern')[0];
        if (pattern !== undefined) field.pattern = pattern;
        const length = at(item, 'Length');
        if (length !== undefined && field.type === 'text') field.maxLength = Number(length);
        if (codeRef !== undefined) {
          const listOid = at(codeRef, 'CodeListOID') ?? '';
          const codes = codeLists.get(listOid);
          if (codes === undefined) issues.push({ ...place, message: `CodeList ${listOid} does not exist` });
          else {
            const entries = [...list(codes, 'CodeListItem'), ...list(codes, 'EnumeratedItem')];
            field.choices = entries.map((c) => ({
              code: at(c, 'CodedValue') ?? '',
              label: translatedOf(c, 'Decode') ?? at(c, 'CodedValue') ?? '',
            }));
          }
        }
        const unitRef = list(item, 'MeasurementUnitRef')[0];
        if (unitRef !== undefined) {
          const unit = list(
            (doc.ODM as Node) ? (list(doc.ODM, 'Study')[0]?.BasicDefinitions as Node) : undefined,
            'MeasurementUnit',
          ).find((u) => at(u, 'OID') === at(unitRef, 'MeasurementUnitOID'));
          field.unit = unit === undefined ? at(unitRef, 'MeasurementUnitOID') : at(unit, 'Name');
        }
        const lookup = aliasOf(item, 'lookup')[0];
        if (lookup !== undefined) field.lookup = lookup;
        const help = translatedOf(item, 'Description');
        if (help !== undefined) field.help = help;
        const methodOid = at(itemRef, 'MethodOID');
        if (methodOid !== undefined) {
          const method = methods.get(methodOid);
          if (method === undefined)
            issues.push({ element: 'MethodDef', oid: methodOid, message: 'does not exist' });
          else field.calc = formalOf(method);
        }
        const conditionOid = at(itemRef, 'CollectionExceptionConditionOID');
        if (conditionOid !== undefined) {
          const condition = conditions.get(conditionOid);
          const expr = condition === undefined ? undefined : (formalOf(condition) ?? '');
          if (expr === undefined)
            issues.push({ element: 'ConditionDef', oid: conditionOid, message: 'does not exist' });
          else field.show = /^not \(.*\)$/s.test(expr) ? expr.slice(5, -1) : `not (${expr})`;
        }
        fields.push(field);
        places.push(place);
      }
    }
    const definition: Node = { oid: formOid, name: at(formDef, 'Name') ?? formOid };
    const description = translatedOf(formDef, 'Description');
    if (description !== undefined) definition.description = description;
    if (at(formDef, 'Repeating') === 'Yes') definition.repeating = true;
    definition.fields = fields;
    const checks = aliasOf(formDef, 'check').map((c) => {
      const [id = '', message = '', ...expr] = c.split('|');
      return { id, expr: expr.join('|'), message };
    });
    if (checks.length > 0) definition.checks = checks;
    const formPlace: Place = { element: 'FormDef', oid: formOid };
    return {
      definition,
      locate: (path: readonly PropertyKey[]): Place => {
        if (path[0] !== 'fields' || typeof path[1] !== 'number') return formPlace;
        const place = places[path[1]] ?? formPlace;
        if (path[2] === 'choices')
          return { element: 'CodeList', oid: (place.oid ?? '').replace(/^IT\./, 'CL.') };
        return place;
      },
    };
  });
  return { forms, issues };
}
