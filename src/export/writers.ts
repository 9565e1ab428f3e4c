import { csvWriter } from './csv-writer.js';
import type { ExportFormat, FormatWriter } from './export-dataset.js';

/** The format writers; ODM ClinicalData and FHIR NDJSON join here when their writers are merged. */
const WRITERS: Partial<Record<ExportFormat, FormatWriter>> = { csv: csvWriter };

export function writerFor(format: ExportFormat): FormatWriter | undefined {
  return WRITERS[format];
}
