import type { ExportFile, FormatWriter } from './export-dataset.js';
import { FHIR_TYPES, type FhirExportType, writeFhir } from './fhir-ndjson.js';

const FILE_NAMES: Record<FhirExportType, string> = {
  Questionnaire: 'questionnaire',
  Patient: 'patient',
  QuestionnaireResponse: 'questionnaire-response',
  Observation: 'observation',
};

/**
 * The `--format fhir` writer: one `application/fhir+ndjson` file per resource type and a manifest
 * shaped like the Bulk Data $export completion answer (transactionTime, output[type, url, count]),
 * the urls being the file names beside it.
 */
export const fhirWriter: FormatWriter = {
  format: 'fhir',
  async write(dataset, out) {
    const id = dataset.info.exportId;
    const files = new Map<FhirExportType, { file: ExportFile; name: string; count: number }>();
    for (const type of FHIR_TYPES) {
      const name = `${id}-${FILE_NAMES[type]}.ndjson`;
      files.set(type, { file: await out.file(name, 'application/fhir+ndjson'), name, count: 0 });
    }
    await writeFhir(dataset, async (type, json) => {
      const entry = files.get(type);
      if (entry === undefined) return;
      entry.count++;
      await entry.file.write(`${json}\n`);
    });
    for (const entry of files.values()) await entry.file.close();
    const manifest = await out.file(`${id}-fhir-manifest.json`, 'application/json');
    await manifest.write(
      `${JSON.stringify(
        {
          transactionTime: dataset.info.createdAt,
          request: `$export?_type=${FHIR_TYPES.join(',')}`,
          requiresAccessToken: false,
          output: [...files].map(([type, e]) => ({ type, url: e.name, count: e.count })),
          error: [],
        },
        null,
        2,
      )}\n`,
    );
    await manifest.close();
  },
};
