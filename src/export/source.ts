import type { Kysely } from 'kysely';
import { untrustedEvent } from '../authz/trusted-events.js';
import type { FormDefinition } from '../forms/form-definition.js';
import type { FieldValue } from '../forms/validate-values.js';
import { AUDIT_EVENTS } from '../ledger/ledger-bindings.js';
import type { SealedRow } from '../ledger/row-seal.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import { PARTICIPANTS } from '../participants/participants-bindings.js';
import { openValues, type ViewPolicy } from '../records/record-values.js';
import { RECORD_VERSIONS, RECORDS, recordRowOf, versionRowOf } from '../records/records-bindings.js';
import { currentVersionOf } from '../records/repo.js';
import type { ScheduleDefinition } from '../schedule/schedule-definition.js';
import type { Database } from '../storage/schema.js';
import type { Keyring } from '../vault/keyring.js';
import { canaryAfter, canaryRows } from './canary.js';
import { shiftDays } from './date-shift.js';
import { eventNamer } from './event-names.js';
import type {
  ExportDataset,
  ExportForm,
  ExportInfo,
  ExportRow,
  ExportStudy,
  ExportValue,
} from './export-dataset.js';
import { isBirthField, transformValue } from './field-plan.js';
import { pseudonym } from './pseudonym.js';
import * as repo from './repo.js';

const PAGE = 500;

/**
 * A record or version row of the export whose MAC fails (issue #17): nothing is exported; the caller
 * (refusingTampered, tampered-export.ts) reports it and answers ROW_TAMPERED.
 */
export class TamperedRowError extends Error {
  constructor(
    readonly binding: TableBinding,
    readonly row: SealedRow,
  ) {
    super(`a ${binding.table} row failed its integrity check`);
  }
}

type StoredRecord = Awaited<ReturnType<typeof repo.currentRecords>>[number];
/** A record whose current version row (and its form version) was found. */
type CurrentRecord = StoredRecord & {
  readonly clear_values: string;
  readonly sealed_values: string;
  readonly form_version: NonNullable<StoredRecord['form_version']>;
};

/**
 * Every record and current version of a page, checked before any value of it is opened. A records row
 * whose current version (or that version's form version) is missing is tampering too (R17-4): an export
 * must be complete, so it is refused rather than the record left out.
 */
function refuseTampered(spec: SourceSpec, rows: readonly StoredRecord[]): CurrentRecord[] {
  const badRecord = untrustedRow(spec.db, spec.keyring, RECORDS, rows.map(recordRowOf));
  if (badRecord !== undefined) throw new TamperedRowError(RECORDS, badRecord);
  const complete: CurrentRecord[] = [];
  for (const r of rows) {
    const version = currentVersionOf(r);
    const row = version === undefined ? missingRow(r) : versionRowOf(version);
    const bad = untrustedRow(spec.db, spec.keyring, RECORD_VERSIONS, [row]);
    if (bad !== undefined) throw new TamperedRowError(RECORD_VERSIONS, bad);
    if (version === undefined || r.form_version === null)
      throw new TamperedRowError(RECORD_VERSIONS, missingRow(r));
    complete.push(r as CurrentRecord);
  }
  return complete;
}

/**
 * A record the ledger created for the participant but no longer stored (deleted in SQL, R17-5): an
 * export must be complete, so it is refused, the records row reported under the missing id.
 */
function refuseVanished(
  participantId: string,
  created: readonly string[] | undefined,
  stored: readonly { readonly id: string }[],
): void {
  if (created === undefined) return;
  const held = new Set(stored.map((r) => r.id));
  const missing = created.find((id) => !held.has(id));
  if (missing === undefined) return;
  const row = { id: missing, participant_id: participantId, row_seq: null, row_mac: null };
  throw new TamperedRowError(RECORDS, row);
}

type PageParticipant = Awaited<ReturnType<typeof repo.participantPage>>[number];

/**
 * The page's participants once every row holds (its site, subject and status decide what leaves and
 * under which site: review s9, S9-3), erased ones left out (GDPR art. 17).
 */
function trustedParticipants(spec: SourceSpec, page: readonly PageParticipant[]): PageParticipant[] {
  const rows = page.map(({ site_code: _site, ...row }) => row);
  const bad = untrustedRow(spec.db, spec.keyring, PARTICIPANTS, rows);
  if (bad !== undefined) throw new TamperedRowError(PARTICIPANTS, bad);
  return page.filter((p) => p.status !== 'erased');
}

function missingRow(r: StoredRecord): SealedRow {
  return { record_id: r.id, version: String(r.version), row_seq: null, row_mac: null };
}

export interface SourceSpec {
  readonly db: Kysely<Database>;
  readonly keyring: Keyring;
  readonly studyId: string;
  readonly study: ExportStudy;
  readonly info: ExportInfo;
  readonly forms: readonly ExportForm[];
  readonly definitions: ReadonlyMap<string, FormDefinition>;
  /** The study's export key (date shifts) and this export's secret (pseudonyms, canaries). */
  readonly studyKey: Uint8Array;
  readonly secret: Uint8Array;
  readonly scrub?: ((text: string) => string) | undefined;
  /** Only records of these events (visits), when given. */
  readonly events?: ReadonlySet<string> | undefined;
  /** The study's schedule: outside the identified profile only its event OIDs leave (event-names.ts). */
  readonly schedule?: ScheduleDefinition | undefined;
}

/** Rows of one participant, before canaries; `participant` is the internal id (never exported). */
export interface SubjectRows {
  readonly participant: string;
  readonly rows: ExportRow[];
}

/**
 * Streams the study out of the store one page of participants at a time, opening protected values
 * with each participant's key and passing every value through its field's transform: memory is
 * bounded by the page, not by the study.
 */
export async function* subjects(spec: SourceSpec): AsyncGenerator<SubjectRows> {
  const plans = new Map(
    spec.forms.map((form) => {
      const exported = new Set(form.fields.map((f) => f.oid));
      const definition = spec.definitions.get(form.oid);
      const birth = (definition?.fields ?? []).filter((f) => isBirthField(f) && exported.has(f.oid));
      const policy: ViewPolicy = { reveal: () => true, hide: (field) => !exported.has(field) };
      return [form.oid, { form, policy, birth: birth.map((f) => f.oid) }] as const;
    }),
  );
  const { profile, recipient } = spec.info;
  const ageAt = spec.info.createdAt.slice(0, 10);
  const shifted = spec.forms.some((f) => f.fields.some((x) => x.transform === 'date-shifted'));
  let after = '';
  const visitsDecided = new Map<string, boolean>();
  for (;;) {
    const whole = await repo.participantPage(spec.db, spec.studyId, after, PAGE);
    if (whole.length === 0) return;
    after = whole[whole.length - 1]?.id ?? after;
    const page = trustedParticipants(spec, whole);
    const ids = page.map((p) => p.id);
    const events = await repo.recordCreateEvents(spec.db, ids);
    // A create that did not succeed must be one: its leaf MAC holds (S9-4). A successful one forged in
    // SQL can only name a record more, which the completeness check then refuses as missing.
    const failed = events.filter((e) => e.outcome !== 'success').map((e) => Number(e.seq));
    const forged = untrustedEvent(spec, await repo.eventsBySeq(spec.db, failed));
    if (forged !== undefined) throw new TamperedRowError(AUDIT_EVENTS, forged);
    const created = repo.createdRecordIds(events);
    const records = refuseTampered(spec, await repo.currentRecords(spec.db, ids));
    await spec.keyring.warmParticipantKeys(
      spec.db,
      page.map((p) => p.id),
    );
    let at = 0;
    for (const participant of page) {
      const mine: typeof records = [];
      while (at < records.length && records[at]?.participant_id === participant.id)
        mine.push(records[at++] as (typeof records)[number]);
      refuseVanished(participant.id, created.get(participant.id), mine);
      const key = await spec.keyring.participantKey(spec.db, participant.id);
      if (!key.ok) continue; // a destroyed key: nothing of this participant can be opened or exported
      const opened: {
        record: (typeof mine)[number];
        form: ExportForm;
        values: Record<string, FieldValue>;
      }[] = [];
      let birthDate: string | null = null;
      for (const record of mine) {
        // Only records the export carries are opened, and in them only the fields it exports: a
        // dropped identifier is never deciphered (less plaintext in memory, and faster).
        const plan = plans.get(record.form_oid);
        if (plan === undefined || (spec.events !== undefined && !spec.events.has(record.visit))) continue;
        const place = {
          studyId: record.study_id,
          participantId: record.participant_id,
          recordId: record.id,
          version: Number(record.version),
        };
        const values = openValues(record.clear_values, record.sealed_values, key.value, place, plan.policy);
        if (!values.ok) continue;
        opened.push({ record, form: plan.form, values: values.value.values });
        for (const oid of plan.birth) {
          const v = values.value.values[oid];
          if (typeof v === 'string') birthDate = v;
        }
      }
      const context = {
        shiftDays: shifted ? shiftDays(spec.studyKey, participant.id, recipient) : 0,
        birthDate,
        ageAt,
      };
      // Per-export pseudonyms in the de-identified and limited profiles (164.514(c)); identified keeps ids.
      const subject =
        profile === 'identified' ? participant.subject_id : pseudonym(spec.secret, participant.id);
      const site = profile === 'deidentified' ? null : participant.site_code;
      const rows: ExportRow[] = [];
      const eventName = eventNamer(profile, spec.schedule, spec.scrub, visitsDecided);
      for (const { record, form, values } of opened) {
        const out: Record<string, ExportValue> = {};
        for (const field of form.fields) {
          const value = values[field.oid];
          if (value === undefined) continue;
          out[field.oid] = transformValue(field, value, context, spec.scrub);
        }
        rows.push({
          subject,
          site,
          event: eventName(record.visit),
          form: record.form_oid,
          formVersion: Number(record.form_version),
          values: out,
        });
      }
      yield { participant: participant.id, rows };
    }
  }
}

/** The dataset with its canaries (`canaries()`: how many the last full pass emitted); `observe` sees each real participant. */
export function datasetFrom(
  spec: SourceSpec,
  observe?: (subject: SubjectRows) => void,
): ExportDataset & { canaries(): number } {
  const formsByOid = new Map(spec.forms.map((f) => [f.oid, f]));
  let canaries = 0;
  return {
    study: spec.study,
    info: spec.info,
    forms: spec.forms,
    canaries: () => canaries,
    async *rows() {
      let n = 0;
      for await (const subject of subjects(spec)) {
        observe?.(subject);
        yield* subject.rows;
        if (subject.rows.length > 0 && canaryAfter(spec.secret, subject.participant, spec.info.profile)) {
          yield* canaryRows(spec.secret, n, spec.info.profile, subject.rows, formsByOid);
          n++;
        }
      }
      canaries = n;
    },
  };
}
