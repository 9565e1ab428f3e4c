import type { FastifyReply } from 'fastify';
import { type AppError, httpStatusOf } from '../core/errors.js';
import type { Result } from '../core/result.js';

/** The one error body of the API: {error: {code, message}} with the code's status (docs/errors.md). */
export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: error.code, message: error.message },
  };
  // Details are structured and non-sensitive (field names, line numbers), but INTERNAL never has any.
  if (error.details !== undefined && error.code !== 'INTERNAL') body.error.details = error.details;
  return reply.status(httpStatusOf(error.code)).send(body);
}

export function sendResult<T>(reply: FastifyReply, result: Result<T>, status = 200): FastifyReply {
  return result.ok ? reply.status(status).send(result.value) : sendError(reply, result.error);
}
