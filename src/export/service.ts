import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthService } from '../access/auth-service.js';
import type { Authorizer } from '../authz/authorizer.js';
import { trustRow } from '../authz/row-tamper.js';
import { type Actor, actorLabel } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import type { ImportService } from '../import/service.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { knownStudy } from '../studies/known.js';
import type { VaultDeps } from '../vault/deps.js';
import { ageKeyFingerprint } from './age-recipient.js';
import { type Download, downloadOnce } from './download.js';
import { DualControl } from './dual-control.js';
import { runEngine } from './engine.js';
import { EXPORT_RECIPIENTS, EXPORTS } from './export-bindings.js';
import type { ExportProfile } from './export-dataset.js';
import { exportList } from './export-list.js';
import { checkExportNames } from './export-names.js';
import type { ExportReport } from './export-report.js';
import { chosen, datesOf, exportRequestSchema } from './export-request.js';
import type { ExportListItem } from './export-view.js';
import { type Identified, identifyFile } from './identify.js';
import { importOdm, type OdmImportReport } from './odm-import.js';
import { DirectoryOutput } from './output.js';
import { type ExportPreview, previewLimitSchema, previewRows } from './preview.js';
import { Recipients } from './recipients.js';
import * as repo from './repo.js';
import { exportSettings } from './settings.js';
import { refusingTampered } from './tampered-export.js';

/** How long the files of an API export wait for their one download (HIPAA 164.312(e)(1)). */
export const DOWNLOAD_HOURS = 24;

export type { ExportReport } from './export-report.js';
export { type ExportRequest, exportRequestSchema } from './export-request.js';

export interface ExportOptions {
  /** Where API exports wait for their download. */
  readonly spoolDir: string;
  /** The free-text scrubber, when merged: without it free text is dropped where it must be scrubbed. */
  readonly scrub?: (text: string) => string;
}

const UNNAMED = 'unnamed recipient';

/**
 * Exports (issue #16): the profile decides on the server what leaves (HIPAA 164.514(b)(2): Safe Harbor
 * with dates reduced to the year by default, or shifted dates under an expert determination;
 * 164.514(e) limited data set, identified only under dual control); blinding holds in every profile
 * (ICH E9 2.3.1); every export is an audit event with its files' SHA-256, recipient and purpose.
 */
export class ExportService {
  readonly recipients: Recipients;
  readonly dualControl: DualControl;

  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    auth: AuthService,
    private readonly options: ExportOptions,
    private readonly imports?: ImportService,
  ) {
    this.recipients = new Recipients(deps, authorizer);
    this.dualControl = new DualControl(deps, authorizer, auth);
  }

  /** The study and the caller's permit; with a request, its forms, events and suppress names checked. */
  async #study(actor: Actor, ref: string, request?: Parameters<typeof checkExportNames>[2]) {
    // The study row only when its MAC holds (review s13, H4/H5: a title or demo flag set in SQL).
    const foundStudy = await knownStudy(this.deps, ref);
    if (!foundStudy.ok) return foundStudy;
    const study = foundStudy.value;
    const permit = await this.authorizer.authorize(actor, 'export.run', {
      studyId: study.id,
      resource: 'study',
    });
    if (!permit.ok) return permit;
    const named =
      request === undefined ? ok(undefined) : await checkExportNames(this.deps.db, study.id, request);
    if (!named.ok) return named;
    return ok({ study, permit: permit.value });
  }

  /** An export through the API: the files wait in the spool for one download each. */
  async create(actor: Actor, studyRef: string, input: unknown): Promise<Result<ExportReport>> {
    return this.#make(actor, studyRef, input, undefined);
  }

  /** An export by the operator into a directory on the server (the CLI). */
  async createIn(actor: Actor, studyRef: string, input: unknown, dir: string): Promise<Result<ExportReport>> {
    return this.#make(actor, studyRef, input, dir);
  }

  async #make(actor: Actor, studyRef: string, input: unknown, dir: string | undefined) {
    const parsed = exportRequestSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The export request is invalid.'));
    const found = await this.#study(actor, studyRef, parsed.data);
    if (!found.ok) return found;
    const { study, permit } = found.value;
    const { profile, format } = parsed.data;
    const who = await this.#recipientFor(actor, study.id, profile, parsed.data);
    if (!who.ok) return who;
    const { recipientName, purpose, recipient, now } = who.value;
    const exportId = newId();
    let requestId: string | null = null;
    if (profile === 'identified') {
      const used = await this.dualControl.consume(actor, study.id, parsed.data.request, {
        format,
        recipient: recipientName,
        purpose,
        exportId,
      });
      if (!used.ok) return used;
      requestId = used.value;
    }
    const unblinded = recipient?.unblinded === 1 && !permit.blinded;
    const checked = await exportSettings(this.deps, actor, study.id, now.toISOString());
    if (!checked.ok) return checked;
    const settings = checked.value;
    const target = dir ?? join(this.options.spoolDir, exportId);
    mkdirSync(target, { recursive: true, mode: 0o700 });
    // Issue #16: a recipient with a registered age key gets only ciphertext, on the spool too.
    const ageKey = recipient?.age_recipient ?? undefined;
    const out = new DirectoryOutput(target, exportId, ageKey);
    const createdAt = now.toISOString();
    const dates = datesOf(parsed.data);
    const info = { exportId, profile, dates, recipient: recipientName, purpose, createdAt };
    const made = await refusingTampered(this.deps, () =>
      runEngine(
        {
          db: this.deps.db,
          keyring: this.deps.keyring,
          studyId: study.id,
          study: { protocolId: study.protocol_id, title: study.title, isDemo: study.is_demo === 1 },
          info,
          format,
          unblinded,
          suppress: new Set(parsed.data.suppress ?? []),
          ...chosen(parsed.data),
          k: settings.k,
          studyKey: settings.key,
          scrub: this.options.scrub,
        },
        out,
      ),
    );
    if (!made.ok) {
      if (dir === undefined) rmSync(target, { recursive: true, force: true });
      await this.#refused(actor, study.id, info, made.error.details);
      return made;
    }
    const expiresAt = new Date(now.getTime() + DOWNLOAD_HOURS * 3_600_000).toISOString();
    const report: ExportReport = {
      exportId,
      study: study.protocol_id,
      profile,
      dates,
      format,
      recipient: recipientName,
      purpose,
      createdAt,
      expiresAt,
      rows: made.value.rows,
      files: made.value.files,
      risk: made.value.risk,
      canaries: made.value.canaries,
      allocation: unblinded,
      encrypted: ageKey !== undefined,
      recipientKey: ageKey === undefined ? null : ageKeyFingerprint(ageKey),
    };
    await transact(this.deps.db, async (trx) => {
      await repo.insertExport(trx, {
        id: exportId,
        study_id: study.id,
        profile,
        format,
        recipient: recipientName,
        purpose,
        actor: actorLabel(actor),
        request_id: requestId,
        created_at: createdAt,
        expires_at: expiresAt,
        // Written straight to the operator's directory: there is nothing left to download.
        downloaded_at: dir === undefined ? null : createdAt,
        canaries: made.value.canaries,
        files: JSON.stringify(made.value.files.map((f) => ({ ...f, downloaded: dir !== undefined }))),
        // The date treatment beside the risk: `export identify` knows which dates carry a fingerprint.
        report: JSON.stringify({ ...made.value.risk, dates }),
      });
      // Traceability (issue #16): the files' SHA-256, the profile, recipient and purpose, in the ledger.
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.create',
        studyId: study.id,
        target: exportId,
        reason: purpose,
        details: {
          profile,
          dates,
          format,
          recipient: recipientName,
          purpose,
          request: requestId,
          files: made.value.files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes })),
          rows: made.value.rows,
          canaries: made.value.canaries,
          allocation: unblinded,
          encrypted: ageKey !== undefined,
          recipientKey: ageKey === undefined ? null : ageKeyFingerprint(ageKey),
          k: made.value.risk.k,
          threshold: made.value.risk.threshold,
        },
        seals: [[EXPORTS, [exportId]]],
      });
      return ok(null);
    });
    return ok(report);
  }

  /** The recipient and purpose of an export or preview; a limited data set only under a data use agreement. */
  async #recipientFor(
    actor: Actor,
    studyId: string,
    profile: ExportProfile,
    asked: { recipient?: string | undefined; purpose?: string | undefined },
  ) {
    const scope = { studyId, resource: 'study' as const };
    const recipientName = asked.recipient ?? (profile === 'deidentified' ? UNNAMED : undefined);
    const purpose = asked.purpose ?? (profile === 'deidentified' ? 'unspecified' : undefined);
    if (recipientName === undefined || purpose === undefined)
      return err(
        appError('VALIDATION_FAILED', 'A limited or identified export names its recipient and purpose.'),
      );
    // A data use agreement or unblinded flag written in SQL is refused, never obeyed (issue #17).
    const trusted = await trustRow(
      this.deps,
      EXPORT_RECIPIENTS,
      await repo.findRecipient(this.deps.db, studyId, recipientName),
    );
    if (!trusted.ok) return trusted;
    const recipient = trusted.value;
    const now = this.deps.clock.now();
    const today = now.toISOString().slice(0, 10);
    if (profile === 'limited') {
      // 164.514(e)(4): a limited data set only under a data use agreement with the recipient.
      const dua = recipient?.dua_reference ?? null;
      const expires = recipient?.dua_expires_on ?? null;
      if (dua === null || (expires !== null && expires < today))
        return this.authorizer.refuse(
          actor,
          'export.run',
          scope,
          appError(
            'APPROVAL_REQUIRED',
            'A limited data set needs a data use agreement recorded for the recipient.',
          ),
        );
    }
    return ok({ recipientName, purpose, recipient, now });
  }

  /**
   * The first rows as the recipient will see them (docs/export.md "Preview"): the export's own plan,
   * nothing written, audited as `export.preview`. An identified export has no preview: identified
   * values are seen only in the export made under its approval.
   */
  async preview(
    actor: Actor,
    studyRef: string,
    input: unknown,
    limit: unknown,
  ): Promise<Result<ExportPreview>> {
    const parsed = exportRequestSchema.safeParse(input);
    if (!parsed.success) return err(invalidInput(parsed.error, 'The export request is invalid.'));
    const rowsWanted = previewLimitSchema.safeParse(limit);
    if (!rowsWanted.success) return err(invalidInput(rowsWanted.error, 'The preview limit is invalid.'));
    const found = await this.#study(actor, studyRef, parsed.data);
    if (!found.ok) return found;
    const { study, permit } = found.value;
    const { profile } = parsed.data;
    if (profile === 'identified')
      return this.authorizer.refuse(
        actor,
        'export.run',
        { studyId: study.id, resource: 'study' },
        appError('APPROVAL_REQUIRED', 'An identified export has no preview: it is seen only once approved.'),
      );
    const who = await this.#recipientFor(actor, study.id, profile, parsed.data);
    if (!who.ok) return who;
    const { recipientName, purpose, recipient, now } = who.value;
    const checked = await exportSettings(this.deps, actor, study.id, now.toISOString());
    if (!checked.ok) return checked;
    const previewId = newId();
    const preview = await refusingTampered(this.deps, () =>
      previewRows(
        {
          db: this.deps.db,
          keyring: this.deps.keyring,
          studyId: study.id,
          study: { protocolId: study.protocol_id, title: study.title, isDemo: study.is_demo === 1 },
          info: {
            exportId: previewId,
            profile,
            dates: datesOf(parsed.data),
            recipient: recipientName,
            purpose,
            createdAt: now.toISOString(),
          },
          unblinded: recipient?.unblinded === 1 && !permit.blinded,
          suppress: new Set(parsed.data.suppress ?? []),
          ...chosen(parsed.data),
          studyKey: checked.value.key,
          scrub: this.options.scrub,
          k: checked.value.k,
        },
        rowsWanted.data,
      ),
    );
    await transact(this.deps.db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.preview',
        outcome: preview.ok ? 'success' : 'failure',
        studyId: study.id,
        target: previewId,
        reason: purpose,
        details: {
          profile,
          dates: datesOf(parsed.data),
          recipient: recipientName,
          purpose,
          ...(preview.ok ? { rows: preview.value.rows.length } : { refused: 'k-anonymity' }),
        },
      });
      return ok(null);
    });
    return preview;
  }

  async #refused(
    actor: Actor,
    studyId: string,
    info: { exportId: string; profile: string; dates: string; recipient: string; purpose: string },
    details: unknown,
  ) {
    await transact(this.deps.db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'export.refused',
        outcome: 'failure',
        studyId,
        target: info.exportId,
        reason: info.purpose,
        details: {
          profile: info.profile,
          dates: info.dates,
          recipient: info.recipient,
          ...(details as Record<string, unknown> | undefined),
        },
      });
      return ok(null);
    });
  }

  /** The study's exports (what was made, for whom, when), newest last. */
  async list(actor: Actor, studyRef: string): Promise<Result<ExportListItem[]>> {
    const found = await this.#study(actor, studyRef);
    if (!found.ok) return found;
    return exportList(this.deps, found.value.study.id);
  }

  /** One file of an API export, once, by its maker, within the download window. */
  download(actor: Actor, exportId: string, name: string): Promise<Result<Download>> {
    return downloadOnce(this.deps, this.authorizer, this.options.spoolDir, actor, exportId, name);
  }

  /** Imports an ODM ClinicalData export into a study with the same forms (odm-import.ts, the round trip). */
  importOdm(actor: Actor, studyRef: string, input: unknown): Promise<Result<OdmImportReport>> {
    if (this.imports === undefined)
      return Promise.resolve(
        err(appError('VALIDATION_FAILED', 'ODM import is not available on this server.')),
      );
    return importOdm(this.deps, this.authorizer, this.imports, actor, studyRef, input);
  }

  /** Names the export a leaked file or fragment came from (identify.ts). */
  identify(actor: Actor, text: string): Promise<Result<Identified>> {
    return refusingTampered(this.deps, () => identifyFile(this.deps, this.authorizer, actor, text));
  }
}
