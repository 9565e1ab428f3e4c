import type { Actor } from '../core/actor.js';
import type { SealTarget } from './row-seal-store.js';
import type { SealedInsert } from './sealed-inserts.js';

/**
 * What every state change and every reveal of a protected value writes, in the transaction of the
 * change itself (21 CFR 11.10(e); HIPAA 164.312(b)). Details hold field names, versions and counts,
 * never a protected value.
 */
export interface AuditEventInput {
  readonly actor: Actor;
  readonly action: AuditAction;
  readonly outcome?: 'success' | 'failure' | 'denied';
  readonly studyId?: string | null;
  readonly participantId?: string | null;
  readonly recordId?: string | null;
  readonly target?: string | null;
  readonly reason?: string | null;
  readonly client?: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Server time of the change when the changed row carries it too (so replay compares exactly). */
  readonly at?: string;
  /**
   * The row-sealed rows this change inserted, updated or deleted in its transaction (issue #17): each
   * gets row_seq = this event's sequence number and its row MAC, and the event carries their ledger
   * seals (null for a deleted row). Written after the rows themselves.
   */
  readonly seals?: readonly SealTarget[];
  /**
   * Row-sealed rows the ledger inserts for this change (sealed-inserts.ts), sealed like `seals` from
   * the values as written: no read-back. Listed in the event's seals after those of `seals`.
   */
  readonly inserts?: readonly SealedInsert[];
  /**
   * Row-sealed rows this change updated, each with every column as now stored (row-seal-store.ts
   * `sealWritten`): sealed like `seals` without reading them back. Listed in the event's seals first.
   */
  readonly written?: readonly SealedInsert[];
}

export const AUDIT_ACTIONS = [
  'store.init',
  'study.create',
  'study.status',
  'study.edit',
  'site.create',
  'site.edit',
  'form.create',
  'form.draft',
  'form.publish',
  'form.import',
  'schedule.define',
  'participant.create',
  'participant.status',
  'participant.lookup',
  'participant.reveal',
  'participant.erase',
  'record.create',
  'record.update',
  'record.lock',
  'record.unlock',
  'record.reveal',
  'import.commit',
  'keys.rotate',
  'demo.seed',
  'access.denied',
  'auth.login',
  'auth.lockout',
  'auth.mfa',
  'auth.mfa.enroll',
  'auth.mfa.enroll.start',
  'auth.mfa.change',
  'auth.mfa.remove',
  'auth.passkey.add',
  'auth.passkey.remove',
  'auth.reauth',
  'auth.logout',
  'auth.password',
  'session.end',
  'user.create',
  'user.disable',
  'user.unlock',
  'user.enable',
  'user.password.reset',
  'user.mfa.reset',
  'grant.create',
  'grant.revoke',
  'token.create',
  'token.revoke',
  'breakglass.start',
  'breakglass.review',
  'record.sign',
  'backup.create',
  'backup.restore',
  'backup.verify',
  'keys.escrow',
  'device.register',
  'device.enroll',
  'device.status',
  'telemetry.upload',
  'telemetry.policy',
  'export.create',
  'export.refused',
  'export.request',
  'export.approve',
  'export.request-used',
  'export.download',
  'export.recipient',
  'export.settings',
  'export.identify',
  'export.preview',
  'ledger.rows-sealed',
  'ledger.records-sealed',
  'ledger.row-tampered',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
