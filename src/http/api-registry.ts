import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../core/actor.js';
import { invalidInput } from '../core/invalid-input.js';
import { err, ok, type Result } from '../core/result.js';
import { sessionToken } from './cookies.js';
import { sendError, sendResult } from './errors.js';
import { RATE_LIMITED, type RateLimiter, type RateLimitName } from './rate-limit.js';

/** One API operation: its schemas are the validation at the edge and its OpenAPI description. */
export interface Operation<P, Q, B> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  /**
   * 'public' routes need no session (login); 'session' routes need the session cookie (and the CSRF
   * header on unsafe methods, ASVS 3.5.1) but not a finished sign-in (the second-factor steps: the
   * service decides what the session may do); 'actor' routes need an authenticated actor.
   */
  readonly auth: 'public' | 'session' | 'actor';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /**
   * 'service': the body is documented with `body` but parsed by the service, which authorizes first
   * and answers its own VALIDATION_FAILED (see `parsedByService`).
   */
  readonly bodyParsedBy?: 'service';
  /** A body other than JSON (the COSE bytes of a device upload). */
  readonly bodyType?: 'application/cose';
  /** The OpenAPI schema of a body other than JSON (binary); zod describes JSON bodies. */
  readonly bodyDocument?: Readonly<Record<string, unknown>>;
  readonly status?: number;
  /** The success answer's schema, for the OpenAPI document (answers are not re-validated at run time). */
  readonly response?: z.ZodType;
  /** Error answers worth their own schema (e.g. an upload's refusal reasons), by HTTP status. */
  readonly errors?: Readonly<Record<number, { readonly description: string; readonly schema: z.ZodType }>>;
  /** The rate-limit bucket this operation counts against (rate-limit.ts), applied after routing. */
  readonly rateLimit?: RateLimitName;
}

export interface Call<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly actor: Actor;
  /** The session token of an `auth: 'session'` operation ('' for the others). */
  readonly session: string;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface ApiRegistry {
  readonly operations: Operation<unknown, unknown, unknown>[];
}

export type ActorResolver = (request: FastifyRequest) => Promise<Result<Actor>>;

/**
 * A body the service parses itself with this schema, after deciding who may ask: a refused caller
 * learns nothing of how its input is wrong, and the refusal is audited (ASVS 8.1.1). The schema still
 * describes the body in the OpenAPI document. The handler gets the body as sent.
 */
export function parsedByService(schema: z.ZodType): { body: z.ZodType<unknown>; bodyParsedBy: 'service' } {
  return { body: schema, bodyParsedBy: 'service' };
}

/** One part of the request through its schema (none: not part of the operation, left undefined). */
function parsePart<V>(schema: z.ZodType<V> | undefined, value: unknown, name: string): Result<V> {
  if (schema === undefined) return ok(undefined as V);
  const parsed = schema.safeParse(value ?? {});
  return parsed.success
    ? ok(parsed.data)
    : err(invalidInput(parsed.error, `The request ${name} is invalid.`));
}

/**
 * Registers a route: parses params, query and body with zod (a typed VALIDATION_FAILED, never a 5xx),
 * resolves the actor (UNAUTHENTICATED without one), calls the handler and maps its Result.
 */
export function operation<P, Q, B, T>(
  app: FastifyInstance,
  registry: ApiRegistry,
  resolveActor: ActorResolver,
  op: Operation<P, Q, B>,
  handler: (call: Call<P, Q, B>) => Promise<Result<T>> | Result<T>,
  limiter?: RateLimiter,
): void {
  registry.operations.push(op as Operation<unknown, unknown, unknown>);
  const bucket = op.rateLimit;
  app.route({
    method: op.method,
    url: op.url,
    // No implicit HEAD: a HEAD of a GET runs its handler, which would spend a download-once file
    // without delivering it (review r16 F4); HEAD of an API route answers NOT_FOUND.
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      // The limit belongs to the routed operation, not to a spelling of its URL (ASVS 6.3.1).
      if (bucket !== undefined && limiter !== undefined) {
        const wait = limiter.take(bucket, request.ip);
        if (wait !== undefined) {
          reply.header('retry-after', String(wait));
          return sendError(reply, RATE_LIMITED);
        }
      }
      // Who first: an anonymous caller learns nothing, not even how its input is wrong.
      let actor: Actor = { kind: 'system', id: 'anonymous' };
      let session = '';
      if (op.auth === 'session') {
        const token = sessionToken(request);
        if (!token.ok) return sendError(reply, token.error);
        session = token.value;
      } else if (op.auth === 'actor') {
        const resolved = await resolveActor(request);
        if (!resolved.ok) return sendError(reply, resolved.error);
        actor = resolved.value;
      }
      const params = parsePart(op.params, request.params, 'params');
      if (!params.ok) return sendError(reply, params.error);
      const query = parsePart(op.query, request.query, 'query');
      if (!query.ok) return sendError(reply, query.error);
      const body =
        op.bodyParsedBy === 'service' ? ok(request.body as B) : parsePart(op.body, request.body, 'body');
      if (!body.ok) return sendError(reply, body.error);
      const call = {
        actor,
        session,
        request,
        reply,
        params: params.value,
        query: query.value,
        body: body.value,
      };
      const result = await handler(call);
      if (reply.sent) return reply;
      return sendResult(reply, result, op.status ?? 200);
    },
  });
}

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** The OpenAPI 3.1 document of every registered operation. */
export function openApiDocument(registry: ApiRegistry): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of registry.operations) {
    const path = op.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const params =
      op.params === undefined
        ? []
        : Object.keys((z.toJSONSchema(op.params) as { properties?: object }).properties ?? {});
    const querySchema =
      op.query === undefined
        ? {}
        : (z.toJSONSchema(op.query, { io: 'input' }) as {
            properties?: Record<string, unknown>;
            required?: string[];
          });
    const query = querySchema.properties ?? {};
    const requiredQuery = new Set(querySchema.required ?? []);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[op.method.toLowerCase()] = {
      summary: op.summary,
      tags: [op.tag],
      security: { public: [], session: [{ session: [] }], actor: [{ session: [] }, { bearer: [] }] }[op.auth],
      ...(op.rateLimit === undefined ? {} : { 'x-rate-limit': op.rateLimit }),
      parameters: [
        ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...Object.entries(query).map(([name, schema]) => ({
          name,
          in: 'query',
          required: requiredQuery.has(name),
          schema,
        })),
      ],
      ...(op.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content:
                op.bodyType === undefined
                  ? { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input' }) } }
                  : {
                      [op.bodyType]: {
                        schema: op.bodyDocument ?? {
                          type: 'string',
                          format: 'binary',
                          contentMediaType: op.bodyType,
                        },
                      },
                    },
            },
          }),
      responses: {
        [String(op.status ?? 200)]: {
          description: 'Success',
          ...(op.response === undefined
            ? {}
            : { content: { 'application/json': { schema: z.toJSONSchema(op.response, { io: 'output' }) } } }),
        },
        ...Object.fromEntries(
          Object.entries(op.errors ?? {}).map(([status, e]) => [
            status,
            {
              description: e.description,
              content: { 'application/json': { schema: z.toJSONSchema(e.schema, { io: 'output' }) } },
            },
          ]),
        ),
        default: {
          description: 'Error (docs/errors.md)',
          content: { 'application/json': { schema: z.toJSONSchema(errorSchema) } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'TrialVault API',
      version: '1',
      description: 'Field-encrypted, tamper-evident clinical trial data. Errors: {error: {code, message}}.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-tv_session',
          description: 'Browser session; unsafe methods also need the x-csrf-token header.',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (trialvault tokens create).' },
      },
    },
    paths,
  };
}

/** A route function bound to one app, registry and actor resolver (what each routes.ts receives). */
export type Route = <P = unknown, Q = unknown, B = unknown, T = unknown>(
  op: Operation<P, Q, B>,
  handler: (call: Call<P, Q, B>) => Promise<Result<T>> | Result<T>,
) => void;

export function routeFor(
  app: FastifyInstance,
  registry: ApiRegistry,
  resolveActor: ActorResolver,
  limiter?: RateLimiter,
): Route {
  return (op, handler) => operation(app, registry, resolveActor, op, handler, limiter);
}
