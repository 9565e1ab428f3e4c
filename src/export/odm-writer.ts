import type { FormatWriter } from './export-dataset.js';
import { writeOdm } from './odm-clinical-data.js';

/** The `--format odm` writer: one CDISC ODM 1.3.2 file (metadata of the exported forms + ClinicalData). */
export const odmWriter: FormatWriter = {
  format: 'odm',
  async write(dataset, out) {
    const file = await out.file(`${dataset.info.exportId}-odm.xml`, 'application/xml');
    await writeOdm(dataset, (chunk) => file.write(chunk));
    await file.close();
  },
};
