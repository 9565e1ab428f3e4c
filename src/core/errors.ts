/**
 * The one error type of TrialVault: a closed union of codes, each with one HTTP status.
 * Every code is documented in docs/errors.md (src/core/errors.test.ts checks it).
 * Messages are written for people and never carry secrets or protected values (ASVS 16.2.5).
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  REASON_REQUIRED: 400,
  IMPORT_REJECTED: 400,
  DICTIONARY_INVALID: 400,
  CLASS_CONFIRMATION_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  APPROVAL_REQUIRED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  RECORD_LOCKED: 409,
  FORM_VERSION_IMMUTABLE: 409,
  STUDY_CLOSED: 409,
  PARTICIPANT_ERASED: 410,
  EXPORT_GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  TELEMETRY_REFUSED: 422,
  EXPORT_REFUSED: 422,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTEGRITY_ERROR: 500,
  ROW_TAMPERED: 500,
  INTERNAL: 500,
  KEY_UNAVAILABLE: 503,
  WRONG_PASSPHRASE: 503,
  STORE_NOT_INITIALIZED: 503,
  STORE_DAMAGED: 503,
  CONFIG_INVALID: 503,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Structured, non-sensitive details (field names, line numbers, reason codes). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function appError(code: ErrorCode, message: string, details?: Record<string, unknown>): AppError {
  return details === undefined ? { code, message } : { code, message, details };
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    Object.hasOwn(ERROR_STATUS, (value as { code: string }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Unknown failures become this generic error: the cause goes to the log, never to the caller. */
export const INTERNAL_ERROR: AppError = appError('INTERNAL', 'An internal error occurred.');
