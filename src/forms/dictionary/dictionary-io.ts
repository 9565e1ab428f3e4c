import type { Result } from '../../core/result.js';
import type { FormDefinition } from '../form-definition.js';
import type { DictionaryFormat } from '../forms-view.js';
import { checkCandidates, detectFormat, type Parsed } from './dictionary.js';
import { readJsonDictionary, writeJsonDictionary } from './json-dictionary.js';
import { readOdmMetadata, writeOdmMetadata } from './odm-metadata.js';
import { readRedcapCsv, writeRedcapCsv } from './redcap-csv.js';

const READERS: Record<DictionaryFormat, (content: string) => Parsed> = {
  json: readJsonDictionary,
  csv: readRedcapCsv,
  odm: readOdmMetadata,
};

/** Reads a dictionary (its format chosen by content unless given): checked definitions, or DICTIONARY_INVALID. */
export function readDictionary(
  content: string,
  format: DictionaryFormat = detectFormat(content),
): Result<{ format: DictionaryFormat; forms: FormDefinition[] }> {
  const forms = checkCandidates(READERS[format](content), format);
  return forms.ok ? { ok: true, value: { format, forms: forms.value } } : forms;
}

export function writeDictionary(
  format: DictionaryFormat,
  study: { protocolId: string; title: string },
  forms: readonly FormDefinition[],
  at: string,
): string {
  if (format === 'json') return writeJsonDictionary(study.protocolId, forms);
  if (format === 'csv') return writeRedcapCsv(forms);
  return writeOdmMetadata(study, forms, at);
}
