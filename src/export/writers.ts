import { csvWriter } from './csv-writer.js';
import type { ExportFormat, FormatWriter } from './export-dataset.js';
import { fhirWriter } from './fhir-writer.js';
import { odmWriter } from './odm-writer.js';

/** The format writers: CSV (+ dictionary, SAS/R), CDISC ODM 1.3.2 ClinicalData, FHIR R4 NDJSON. */
const WRITERS: Partial<Record<ExportFormat, FormatWriter>> = {
  csv: csvWriter,
  odm: odmWriter,
  fhir: fhirWriter,
};

export function writerFor(format: ExportFormat): FormatWriter | undefined {
  return WRITERS[format];
}
