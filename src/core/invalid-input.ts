import type { ZodError } from 'zod';
import { type AppError, appError } from './errors.js';

/** A zod failure as VALIDATION_FAILED: paths and rule messages only, never the rejected input. */
export function invalidInput(error: ZodError, message = 'The input is invalid.'): AppError {
  return appError('VALIDATION_FAILED', message, {
    issues: error.issues.slice(0, 50).map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}
