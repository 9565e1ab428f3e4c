import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { fieldInputSchema } from '../records/schemas.js';

/**
 * The items of an import file, read as a stream so a 100,000-record file never sits in memory at once.
 * Formats (docs/import.md): CSV (one row per participant or record), JSON Lines, and a JSON document.
 */
export type ImportItem =
  | {
      readonly kind: 'participant';
      readonly where: string;
      readonly subjectId: string;
      readonly site: string;
      readonly status?: string | undefined;
      readonly consentDate?: string | undefined;
    }
  | {
      readonly kind: 'record';
      readonly where: string;
      readonly subjectId: string;
      readonly site?: string | undefined;
      readonly form: string;
      readonly visit: string;
      readonly values: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'error'; readonly where: string; readonly reason: string };

export type ImportFormat = 'csv' | 'jsonl' | 'json';

/** A whole JSON document is parsed at once, so it has a cap; bigger files use JSON Lines or CSV. */
export const MAX_JSON_DOCUMENT_BYTES = 64 * 1024 * 1024;

const participantSchema = z.strictObject({
  type: z.literal('participant').optional(),
  subjectId: z.string().min(1).max(32),
  site: z.string().min(1).max(64),
  status: z.string().max(32).optional(),
  consentDate: z.string().max(32).optional(),
});
const recordSchema = z.strictObject({
  type: z.literal('record').optional(),
  subjectId: z.string().min(1).max(32),
  site: z.string().min(1).max(64).optional(),
  form: z.string().min(1).max(64),
  visit: z.string().min(1).max(64),
  values: z.record(z.string().max(64), fieldInputSchema),
});

export function formatOf(path: string): ImportFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  return undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'item'}: ${i.message}`)
    .join('; ');
}

function toItem(raw: unknown, where: string, expected?: 'participant' | 'record'): ImportItem {
  const type =
    expected ?? (typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined);
  if (type === 'participant') {
    const parsed = participantSchema.safeParse(raw);
    if (!parsed.success) return { kind: 'error', where, reason: describeIssues(parsed.error) };
    const { type: _type, ...rest } = parsed.data;
    return { kind: 'participant', where, ...rest };
  }
  if (type === 'record') {
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) return { kind: 'error', where, reason: describeIssues(parsed.error) };
    const { type: _type, ...rest } = parsed.data;
    return { kind: 'record', where, ...rest };
  }
  return { kind: 'error', where, reason: 'type must be "participant" or "record"' };
}

async function* jsonLines(path: string): AsyncGenerator<ImportItem> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      yield { kind: 'error', where: `line ${number}`, reason: 'not valid JSON' };
      continue;
    }
    yield toItem(raw, `line ${number}`);
  }
}

async function* jsonDocument(path: string): AsyncGenerator<ImportItem> {
  if (statSync(path).size > MAX_JSON_DOCUMENT_BYTES) {
    yield {
      kind: 'error',
      where: 'file',
      reason: 'JSON documents over 64 MiB must be sent as JSON Lines or CSV',
    };
    return;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    yield { kind: 'error', where: 'file', reason: 'not valid JSON' };
    return;
  }
  const shape = z.strictObject({
    participants: z.array(z.unknown()).optional(),
    records: z.array(z.unknown()).optional(),
  });
  const parsed = shape.safeParse(doc);
  if (!parsed.success) {
    yield {
      kind: 'error',
      where: 'file',
      reason: 'must be an object with "participants" and/or "records" arrays',
    };
    return;
  }
  for (const [i, raw] of (parsed.data.participants ?? []).entries())
    yield toItem(raw, `participants[${i}]`, 'participant');
  for (const [i, raw] of (parsed.data.records ?? []).entries()) yield toItem(raw, `records[${i}]`, 'record');
}

const CSV_COLUMNS = new Set(['subject_id', 'site', 'status', 'consent_date', 'form', 'visit']);

async function* csvRows(path: string): AsyncGenerator<ImportItem> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      columns: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      max_record_size: 1_000_000,
    }),
  );
  try {
    for await (const entry of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      const row = entry.record;
      const where = `line ${entry.info.lines}`;
      const subjectId = row.subject_id ?? '';
      if (subjectId === '') {
        yield { kind: 'error', where, reason: 'subject_id is required' };
        continue;
      }
      const form = row.form ?? '';
      const site = row.site === undefined || row.site === '' ? undefined : row.site;
      if (form === '') {
        if (site === undefined) {
          yield { kind: 'error', where, reason: 'a participant row needs a site' };
          continue;
        }
        yield toItem(
          {
            subjectId,
            site,
            ...(row.status ? { status: row.status } : {}),
            ...(row.consent_date ? { consentDate: row.consent_date } : {}),
          },
          where,
          'participant',
        );
        continue;
      }
      const values: Record<string, string> = {};
      for (const [column, value] of Object.entries(row)) {
        if (!CSV_COLUMNS.has(column) && value !== '') values[column] = value;
      }
      yield toItem(
        { subjectId, ...(site ? { site } : {}), form, visit: row.visit ?? '', values },
        where,
        'record',
      );
    }
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    yield { kind: 'error', where: line === undefined ? 'file' : `line ${line}`, reason: 'malformed CSV' };
  }
}

export function readImportItems(path: string, format: ImportFormat): AsyncGenerator<ImportItem> {
  switch (format) {
    case 'csv':
      return csvRows(path);
    case 'jsonl':
      return jsonLines(path);
    case 'json':
      return jsonDocument(path);
  }
}
