import { stringify } from 'csv-stringify/sync';
import { joinCodes } from '../core/field-value.js';
import type { ExportDataset, ExportFile, ExportForm, ExportValue, FormatWriter } from './export-dataset.js';
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
  // A multichoice answer: its ticked codes joined by "," (docs/export-formats.md).
  if (Array.isArray(value)) return joinCodes(value);
  return String(value);
}

const OPTIONS = { eof: true, record_delimiter: 'unix' } as const;
const line = (cells: readonly string[]) => stringify([cells], OPTIONS);
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * One CSV record, quoted as RFC 4180 and csv-stringify quote it (a cell with a quote, comma, line
 * break or edge space is quoted, quotes doubled). The row path does this itself: csv-stringify's
 * per-record cost was most of the export's time (bench/export.ts); headers and the dictionary use it.
 */
export function csvRecord(cells: readonly string[]): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as string;
    if (i > 0) out += ',';
    out += NEEDS_QUOTES.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
  }
  return `${out}\n`;
}

/** Rows of one file, written a block at a time. */
class Batched {
  #text = '';
  constructor(private readonly file: ExportFile) {}
  /** A promise only when a block is written: the per-value path stays synchronous (no await per cell). */
  add(cells: string[]): Promise<void> | undefined {
    this.#text += csvRecord(cells);
    return this.#text.length >= 1 << 16 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.#text === '') return;
    const text = this.#text;
    this.#text = '';
    await this.file.write(text);
  }
}

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
    const wideRows = new Batched(wide);
    const longRows = new Batched(long);
    let current: { key: string; cells: string[] } | undefined;
    for await (const row of dataset.rows()) {
      const key = `${row.subject}\u0000${row.event}`;
      if (current?.key !== key) {
        if (current !== undefined) await wideRows.add(current.cells);
        current = { key, cells: [row.subject, row.site ?? '', row.event, ...columns.map(() => '')] };
      }
      const site = row.site ?? '';
      const version = String(row.formVersion);
      for (const field in row.values) {
        const value = cell(row.values[field]);
        const at = index.get(`${row.form}\u0000${field}`);
        if (at !== undefined) current.cells[KEY_COLUMNS.length + at] = value;
        const written = longRows.add([row.subject, site, row.event, row.form, version, field, value]);
        if (written !== undefined) await written;
      }
    }
    if (current !== undefined) await wideRows.add(current.cells);
    await wideRows.flush();
    await longRows.flush();
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
