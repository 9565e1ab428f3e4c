import type { FormDefinition } from '../form-definition.js';
import type { Parsed } from './dictionary.js';

export const JSON_DICTIONARY = 'trialvault.forms';

/**
 * The JSON dictionary: `{"format": "trialvault.forms", "version": 1, "forms": [definition...]}`, each
 * definition as docs/forms.md describes; a bare definition or an array of them is read too.
 */
export function readJsonDictionary(content: string): Parsed {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not JSON';
    return { forms: [], issues: [{ path: '', message: `not JSON (${why})` }] };
  }
  let forms: unknown[];
  let prefix: PropertyKey[] = [];
  let indexed = true;
  if (Array.isArray(document)) forms = document;
  else if (typeof document === 'object' && document !== null && 'forms' in document) {
    const holder = document as { forms: unknown; format?: unknown };
    if (holder.format !== undefined && holder.format !== JSON_DICTIONARY) {
      return { forms: [], issues: [{ path: 'format', message: `must be "${JSON_DICTIONARY}"` }] };
    }
    if (!Array.isArray(holder.forms))
      return { forms: [], issues: [{ path: 'forms', message: 'must be an array' }] };
    forms = holder.forms;
    prefix = ['forms'];
  } else {
    forms = [document];
    indexed = false;
  }
  return {
    issues: [],
    forms: forms.map((definition, index) => ({
      definition,
      locate: (path) => ({ path: [...prefix, ...(indexed ? [index] : []), ...path].map(String).join('.') }),
    })),
  };
}

export function writeJsonDictionary(study: string, forms: readonly FormDefinition[]): string {
  return `${JSON.stringify({ format: JSON_DICTIONARY, version: 1, study, forms }, null, 2)}\n`;
}
