import type { AppError } from '../core/errors.js';

/** The API client: JSON in and out, the CSRF header on every unsafe call, typed errors (docs/errors.md). */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: AppError,
  ) {
    super(error.message);
  }
}

function csrfToken(): string {
  return /(?:^|;\s*)__Host-tv_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
}

let lastAnswer = Date.now();
/** When the server last answered this browser (each authenticated answer restarts the idle clock). */
export const lastActivity = (): number => lastAnswer;

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'x-csrf-token': decodeURIComponent(csrfToken()) }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: AppError };
  if (!response.ok) {
    throw new ApiFailure(
      response.status,
      data.error ?? { code: 'INTERNAL', message: 'The server did not answer.' },
    );
  }
  lastAnswer = Date.now();
  return data as T;
}

/** The message to show for a failed call: the server's own (never a stack trace), or a plain one. */
export function failureMessage(error: unknown): string {
  return error instanceof ApiFailure ? error.error.message : 'The server did not answer.';
}
