import { type AppError, appError, isAppError } from '../core/errors.js';

const RESTORE_HINT =
  'restore from a backup with "trialvault backup restore --from TARGET --restore-key FILE --to NEW_DIR" (docs/backup.md)';

/**
 * Any failure a command did not expect, as one clear line for the operator (never a stack trace):
 * what is wrong and what to do. Messages name files and settings, never a key or a protected value.
 */
export function describeFailure(error: unknown): AppError {
  if (isAppError(error)) return error;
  const e = (error ?? {}) as { code?: unknown; name?: unknown; path?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const path = typeof e.path === 'string' ? e.path : undefined;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT'))
    return appError(
      'STORE_DAMAGED',
      `The store file is not a database: it may be damaged or encrypted; ${RESTORE_HINT}.`,
    );
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR'))
    return appError(
      'STORE_DAMAGED',
      `The store file cannot be opened or read: it may be missing, damaged or encrypted; ${RESTORE_HINT}.`,
    );
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return appError('CONFIG_INVALID', `A file or directory is missing${path ? `: ${path}` : ''}.`);
  if (code === 'EACCES' || code === 'EPERM')
    return appError('CONFIG_INVALID', `Permission denied${path ? ` on ${path}` : ''}.`);
  if (code === 'ENOSPC') return appError('UNAVAILABLE', 'The disk is full.');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === '57P03')
    return appError('UNAVAILABLE', 'The PostgreSQL database does not answer: check TRIALVAULT_DB_URL.');
  if (/^[0-9A-Z]{5}$/.test(code))
    return appError('UNAVAILABLE', `The PostgreSQL database refused the operation (SQLSTATE ${code}).`);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  return appError(
    'INTERNAL',
    `An unexpected error stopped the command (${name}); set TRIALVAULT_DEBUG=1 to see the details.`,
  );
}
