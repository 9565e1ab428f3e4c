import { stringify } from 'csv-stringify/sync';
import type { ExportDataset, ExportForm, ExportValue, FormatWriter } from './export-dataset.js';
import { statisticsPrograms } from './stat-programs.js';

/** One column of the wide file: a field of a form, named uniquely (SAS/R-safe, at most 32 chars). */
export interface WideColumn {
  readonly name: string;
  readonly form: ExportForm;
  readonly field: ExportForm['fields'][number];
}

export const KEY_COLUMNS = ['SUBJECT', 'SITE', 'EVENT'] as const;

export function wideColumns(forms: readonly ExportForm[]): WideColumn[] {
  const counts = new Map<string, number>();
  for (const form of forms) for (const f of form.fields) counts.set(f.oid, (counts.get(f.oid) ?? 0) + 1);
  return forms.flatMap((form) =>
    form.fields.map((field) => ({
      name: ((counts.get(field.oid) ?? 0) > 1 ? `${form.oid}_${field.oid}` : field.oid).slice(0, 32),
      form,
      field,
    })),
  );
}

/** Booleans as 1/0 (what SAS, R and SPSS read as numbers); no value is an empty cell. */
export function cell(value: ExportValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

const line = (cells: readonly string[]) => stringify([cells], { eof: true, record_delimiter: 'unix' });

/**
 * CSV, one pass over the rows: wide (one row per participant and event), long (one row per value),
 * a data dictionary beside them, and SAS and R programs that read the wide file with labels and
 * formats (as REDCap does). Rows stream straight to the files; only one (subject, event) is held.
 */
export const csvWriter: FormatWriter = {
  format: 'csv',
  async write(dataset: ExportDataset, out) {
    const id = dataset.info.exportId;
    const columns = wideColumns(dataset.forms);
    const index = new Map(columns.map((c, i) => [`${c.form.oid}\u0000${c.field.oid}`, i]));
    const wide = await out.file(`${id}-wide.csv`, 'text/csv');
    const long = await out.file(`${id}-long.csv`, 'text/csv');
    await wide.write(line([...KEY_COLUMNS, ...columns.map((c) => c.name)]));
    await long.write(line(['SUBJECT', 'SITE', 'EVENT', 'FORM', 'FORM_VERSION', 'FIELD', 'VALUE']));
    let current: { key: string; cells: string[] } | undefined;
    const flush = async () => {
      if (current !== undefined) await wide.write(line(current.cells));
    };
    for await (const row of dataset.rows()) {
      const key = `${row.subject}\u0000${row.event}`;
      if (current?.key !== key) {
        await flush();
        current = { key, cells: [row.subject, row.site ?? '', row.event, ...columns.map(() => '')] };
      }
      let chunk = '';
      for (const [field, value] of Object.entries(row.values)) {
        const at = index.get(`${row.form}\u0000${field}`);
        if (at !== undefined) current.cells[KEY_COLUMNS.length + at] = cell(value);
        chunk += line([
          row.subject,
          row.site ?? '',
          row.event,
          row.form,
          String(row.formVersion),
          field,
          cell(value),
        ]);
      }
      if (chunk !== '') await long.write(chunk);
    }
    await flush();
    await wide.close();
    await long.close();
    const dictionary = await out.file(`${id}-dictionary.csv`, 'text/csv');
    await dictionary.write(
      line(['VARIABLE', 'FORM', 'FIELD', 'LABEL', 'TYPE', 'UNIT', 'DATA_CLASS', 'TRANSFORM', 'CHOICES']),
    );
    for (const c of columns) {
      const choices = (c.field.choices ?? []).map((x) => `${x.code}=${x.label}`).join(' | ');
      await dictionary.write(
        line([
          c.name,
          c.form.oid,
          c.field.oid,
          c.field.label,
          c.field.type,
          c.field.unit ?? '',
          c.field.dataClass,
          c.field.transform,
          choices,
        ]),
      );
    }
    await dictionary.close();
    for (const program of statisticsPrograms(`${id}-wide.csv`, columns)) {
      const file = await out.file(`${id}-wide.${program.extension}`, 'text/plain');
      await file.write(program.text);
      await file.close();
    }
  },
};
