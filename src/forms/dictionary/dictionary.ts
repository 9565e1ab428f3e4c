import { appError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { type FormDefinition, formDefinitionSchema } from '../form-definition.js';
import type { DictionaryFormat } from '../forms-view.js';

/** One problem of a dictionary, placed where its author can find it: never the offending value. */
export interface DictionaryIssue {
  /** CSV: the line of the file (1-based) and the REDCap column. */
  readonly line?: number;
  readonly column?: string;
  /** JSON: the path into the document. */
  readonly path?: string;
  /** ODM: the element and its OID. */
  readonly element?: string;
  readonly oid?: string;
  readonly message: string;
}

export type Place = Omit<DictionaryIssue, 'message'>;

/** A form as read from a dictionary, before its definition is checked, with where each part came from. */
export interface Candidate {
  readonly definition: unknown;
  locate(path: readonly PropertyKey[]): Place;
}

export interface Parsed {
  readonly forms: readonly Candidate[];
  readonly issues: readonly DictionaryIssue[];
}

export const MEDIA_TYPES: Readonly<Record<DictionaryFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv',
  odm: 'application/xml',
};

/** The format a content is in, by its first character: `<` ODM XML, `{` or `[` JSON, else CSV. */
export function detectFormat(content: string): DictionaryFormat {
  const first = content.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '<') return 'odm';
  if (first === '{' || first === '[') return 'json';
  return 'csv';
}

const MAX_ISSUES = 100;

/**
 * Checks every candidate against the form definition rules (form-definition.ts) and the whole against
 * itself (one definition per OID): the definitions, or one DICTIONARY_INVALID listing every issue.
 */
export function checkCandidates(parsed: Parsed, format: DictionaryFormat): Result<FormDefinition[]> {
  const issues: DictionaryIssue[] = [...parsed.issues];
  const forms: FormDefinition[] = [];
  const seen = new Set<string>();
  for (const candidate of parsed.forms) {
    const checked = formDefinitionSchema.safeParse(candidate.definition);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        issues.push({ ...candidate.locate(issue.path), message: issue.message });
      }
      continue;
    }
    if (seen.has(checked.data.oid)) {
      issues.push({ ...candidate.locate(['oid']), message: `form ${checked.data.oid} appears twice` });
    }
    seen.add(checked.data.oid);
    forms.push(checked.data);
  }
  if (issues.length === 0 && forms.length === 0) issues.push({ message: 'the dictionary holds no form' });
  if (issues.length > 0) return err(invalid(issues, format));
  return ok(forms);
}

export function invalid(issues: readonly DictionaryIssue[], format: DictionaryFormat) {
  const first = issues[0];
  const where = first === undefined ? '' : ` First: ${describeIssue(first)}.`;
  return appError(
    'DICTIONARY_INVALID',
    `The ${format.toUpperCase()} dictionary has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was changed.${where}`,
    { format, issues: issues.slice(0, MAX_ISSUES) },
  );
}

/** "line 4, column Field Type: ..." / "fields.2.oid: ..." / "ItemDef IT.X: ...". */
export function describeIssue(issue: DictionaryIssue): string {
  const at: string[] = [];
  if (issue.line !== undefined) at.push(`line ${issue.line}`);
  if (issue.column !== undefined) at.push(`column ${issue.column}`);
  if (issue.path !== undefined && issue.path !== '') at.push(issue.path);
  if (issue.element !== undefined)
    at.push(issue.oid === undefined ? issue.element : `${issue.element} ${issue.oid}`);
  return at.length === 0 ? issue.message : `${at.join(', ')}: ${issue.message}`;
}
