import type { TableBinding } from '../ledger/table-binding.js';

/**
 * How the access tables are bound (issue #17; docs/ledger.md has the table). Every one is row-sealed:
 * each write goes through an audit event whose `seals` name the row (or `updateVolatile` for the
 * volatile columns), and the ones the server reads to decide who may act are checked on every read.
 */
export const USERS: TableBinding = {
  table: 'users',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  // Sign-in bookkeeping written without an event on every attempt: the counters and the lock they lead
  // to (each lockout itself is an event), the last TOTP step consumed (compare-and-set, ASVS 6.5.1).
  volatile: ['failed_attempts', 'lockouts', 'locked_until', 'mfa_failures', 'totp_last_step'],
  reason: 'read on every sign-in and session: e-mail, password hash, status and second factors',
};

export const SESSIONS: TableBinding = {
  table: 'sessions',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  // The once-a-minute activity stamp, the per-session failure counter and the single-use WebAuthn
  // challenge: written on requests that are not state changes of their own.
  volatile: ['last_seen_at', 'mfa_failures', 'webauthn_challenge'],
  reason: 'read on every request: whose session, its state and end',
};

export const API_TOKENS: TableBinding = {
  table: 'api_tokens',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'read on every token request: its user, study, scopes, expiry and revocation',
};

export const GRANTS: TableBinding = {
  table: 'grants',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'read on every authorization: who holds which role where',
};

export const RECOVERY_CODES: TableBinding = {
  table: 'recovery_codes',
  key: ['user_id', 'code_hash'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'read when a recovery code is offered as the second factor',
};

export const PASSKEYS: TableBinding = {
  table: 'passkeys',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  // The WebAuthn signature counter and last use advance on each accepted assertion, without an event
  // of their own beyond the sign-in's.
  volatile: ['counter', 'last_used_at'],
  reason: 'read when a passkey is offered: its user and public key',
};

export const BREAK_GLASS: TableBinding = {
  table: 'break_glass',
  key: ['id'],
  how: 'row-seal',
  checkedOnRead: true,
  reason: 'emergency access and its review: read on authorization and in the review list',
};

export const ALERTS: TableBinding = {
  table: 'alerts',
  key: ['id'],
  how: 'row-seal',
  reason: 'security alerts for administrators: found by verify when emptied or edited',
};

export const ACCESS_BINDINGS: readonly TableBinding[] = [
  USERS,
  SESSIONS,
  API_TOKENS,
  GRANTS,
  RECOVERY_CODES,
  PASSKEYS,
  BREAK_GLASS,
  ALERTS,
];
