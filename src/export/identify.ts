import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRows } from '../authz/row-tamper.js';
import type { Actor } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { Database } from '../storage/schema.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { Keyring } from '../vault/keyring.js';
import { canarySubject } from './canary.js';
import { planForms } from './engine.js';
import { EXPORTS } from './export-bindings.js';
import type { ExportProfile } from './export-dataset.js';
import { exportSecret } from './keyed.js';
import { pseudonym } from './pseudonym.js';
import * as repo from './repo.js';
import { exportSettings } from './settings.js';
import { subjects } from './source.js';

/** What a leaked file (or fragment) shows: its subject codes and its dates. */
export interface Evidence {
  readonly subjects: ReadonlySet<string>;
  readonly dates: ReadonlySet<string>;
  readonly rows: number;
}

const SUBJECT_COLUMNS = /^(SUBJECT|SUBJID|USUBJID|SUBJECT_ID|SUBJECTKEY)$/i;
const DATE = /\b\d{4}-\d{2}-\d{2}\b/g;

/** Reads CSV (wide or long, or any file with a subject column), or else ODM/FHIR text by pattern. */
export function evidenceOf(text: string): Evidence {
  const subjects = new Set<string>();
  const dates = new Set<string>();
  for (const match of text.matchAll(DATE)) dates.add(match[0]);
  let rows = 0;
  try {
    const records = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
    const header = records[0] ?? [];
    const at = header.findIndex((h) => SUBJECT_COLUMNS.test(h.trim()));
    const start = at < 0 ? 0 : 1;
    // A fragment without its header: the first column is the subject (as the CSV files write it).
    const column = Math.max(at, 0);
    for (const record of records.slice(start)) {
      const subject = record[column]?.trim();
      if (subject !== undefined && subject !== '') subjects.add(subject);
      rows++;
    }
  } catch {
    // Not CSV: ODM SubjectKey="..." or FHIR "reference": "Patient/...".
  }
  for (const m of text.matchAll(/SubjectKey="([^"]+)"|Patient\/([A-Za-z0-9._-]+)/g))
    subjects.add(m[1] ?? m[2] ?? '');
  return { subjects, dates, rows };
}

export interface Attribution {
  readonly exportId: string;
  readonly study: string;
  readonly profile: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly createdAt: string;
  /** Subject codes of the file found among the export's pseudonyms. */
  readonly subjects: number;
  /** Synthetic canary participants of the export found in the file. */
  readonly canaries: number;
  /** Share of the file's dates that the export's keyed date shifts produce (re-coded subjects). */
  readonly dates: number;
  readonly score: number;
}

/** The candidate exports ranked by how much of the file their keyed fingerprints explain. */
export async function attribute(
  deps: VaultDeps,
  actor: Actor,
  evidence: Evidence,
  now: string,
  visibleStudies: 'all' | ReadonlySet<string>,
): Promise<Result<Attribution[]>> {
  const { db, keyring } = deps;
  // A forged export row would name the wrong recipient as the source of a leak (issue #17).
  const exports = await trustRows(deps, EXPORTS, await repo.listExports(db));
  if (!exports.ok) return exports;
  const candidates: { entry: Attribution; row: repo.ExportRow; key: Buffer }[] = [];
  const total = Math.max(1, evidence.subjects.size);
  for (const row of exports.value) {
    if (visibleStudies !== 'all' && !visibleStudies.has(row.study_id)) continue;
    const found = await exportSettings(deps, actor, row.study_id, now);
    if (!found.ok) return found;
    const settings = found.value;
    const secret = exportSecret(settings.key, row.id);
    const profile = row.profile as ExportProfile;
    let subjectHits = 0;
    if (profile !== 'identified') {
      for (const id of await repo.participantIds(db, row.study_id))
        if (evidence.subjects.has(pseudonym(secret, id))) subjectHits++;
    }
    let canaryHits = 0;
    const sites =
      profile !== 'identified'
        ? [null]
        : [...new Set([...evidence.subjects].map((s) => s.split('-')[0] ?? null))];
    for (let n = 0; n < Number(row.canaries); n++)
      if (sites.some((site) => evidence.subjects.has(canarySubject(secret, n, profile, site)))) canaryHits++;
    const entry = {
      exportId: row.id,
      study: row.study_id,
      profile: row.profile,
      recipient: row.recipient,
      purpose: row.purpose,
      createdAt: row.created_at,
      subjects: subjectHits,
      canaries: canaryHits,
      dates: 0,
      score: (subjectHits + canaryHits * 5) / total,
    };
    candidates.push({ entry, row, key: settings.key });
  }
  // Subject codes and canaries are exact; only a file whose subjects were re-coded falls back to
  // the per-recipient date shifts, which every de-identified export of the study is scored on.
  const exact = candidates.some((c) => c.entry.score > 0);
  for (const c of candidates) {
    if (exact || c.row.profile !== 'deidentified' || evidence.dates.size === 0) continue;
    // Dates reduced to the year (Safe Harbor) carry no keyed choice: pseudonyms and canaries remain.
    if (datesOfRow(c.row) !== 'shift') continue;
    const dates = await dateShare(db, keyring, c.row, c.key, evidence);
    c.entry = { ...c.entry, dates, score: dates };
  }
  const out = candidates.map((c) => c.entry).filter((e) => e.score > 0);
  return ok(out.sort((a, b) => b.score - a.score));
}

/** An export's date treatment, recorded beside its risk report; exports made before it shifted dates. */
function datesOfRow(row: repo.ExportRow): string {
  try {
    return (JSON.parse(row.report) as { dates?: string }).dates ?? 'shift';
  } catch {
    return 'shift';
  }
}

/** Share of the file's dates among the dates this export's per-recipient shifts give the study. */
async function dateShare(
  db: Kysely<Database>,
  keyring: Keyring,
  row: repo.ExportRow,
  studyKey: Buffer,
  evidence: Evidence,
): Promise<number> {
  const info = {
    exportId: row.id,
    profile: 'deidentified' as const,
    dates: 'shift' as const,
    recipient: row.recipient,
    purpose: row.purpose,
    createdAt: row.created_at,
  };
  const base = {
    db,
    keyring,
    studyId: row.study_id,
    info,
    unblinded: false,
    suppress: new Set<string>(),
    k: 0,
    studyKey,
  };
  const { forms, definitions } = await planForms(db, {
    ...base,
    study: { protocolId: '', title: '', isDemo: false },
    format: 'csv',
  });
  const shifted = new Set<string>();
  const spec = {
    ...base,
    study: { protocolId: '', title: '', isDemo: false },
    forms,
    definitions,
    secret: exportSecret(studyKey, row.id),
  };
  for await (const subject of subjects(spec))
    for (const r of subject.rows)
      for (const value of Object.values(r.values))
        if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) shifted.add(value);
  let hits = 0;
  for (const date of evidence.dates) if (shifted.has(date)) hits++;
  return hits / evidence.dates.size;
}

export interface Identified {
  readonly rows: number;
  readonly subjects: number;
  /** Best first; the first is the export the file came from when its score stands out. */
  readonly candidates: Attribution[];
}

/**
 * Names the export a leaked file or fragment came from, by its keyed fingerprints (pseudonyms,
 * canaries, per-recipient date shifts), among the studies whose exports the caller manages; audited.
 */
export async function identifyFile(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  text: string,
): Promise<Result<Identified>> {
  const visible = await authorizer.visibleStudies(actor);
  let allowed: 'all' | Set<string> = 'all';
  if (visible !== 'all') {
    allowed = new Set();
    for (const id of visible)
      if ((await authorizer.authorize(actor, 'export.recipients', { studyId: id }, { quiet: true })).ok)
        allowed.add(id);
  }
  const evidence = evidenceOf(text);
  const now = deps.clock.now().toISOString();
  const attributed = await attribute(deps, actor, evidence, now, allowed);
  if (!attributed.ok) return attributed;
  const candidates = attributed.value;
  await transact(deps.db, async (trx) => {
    await appendAuditEvent(trx, deps, {
      actor,
      action: 'export.identify',
      target: candidates[0]?.exportId ?? null,
      details: { rows: evidence.rows, subjects: evidence.subjects.size, found: candidates.length },
    });
    return ok(null);
  });
  return ok({ rows: evidence.rows, subjects: evidence.subjects.size, candidates });
}
