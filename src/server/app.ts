import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAccountRoutes } from '../access/account-routes.js';
import { registerAuthRoutes } from '../access/auth-routes.js';
import { registerAccessRoutes } from '../access/routes.js';
import { damagedStore, storeSound } from '../app/damaged-store.js';
import type { Vault } from '../app/vault.js';
import { registerLedgerAccessRoutes } from '../audit/ledger-routes.js';
import { registerAuditRoutes } from '../audit/routes.js';
import { registerBackupRoutes } from '../backup/routes.js';
import { appError, INTERNAL_ERROR } from '../core/errors.js';
import { registerDeviceRoutes } from '../devices/routes.js';
import { registerExportRoutes } from '../export/routes.js';
import { registerFormRoutes } from '../forms/routes.js';
import { registerGridRoutes } from '../grid/routes.js';
import { type ApiRegistry, openApiDocument, routeFor } from '../http/api-registry.js';
import { sendError } from '../http/errors.js';
import { RATE_LIMITS, RateLimiter } from '../http/rate-limit.js';
import { registerLedgerRoutes } from '../ledger/routes.js';
import { registerParticipantRoutes } from '../participants/routes.js';
import { registerRecordRoutes } from '../records/routes.js';
import { registerScheduleRoutes } from '../schedule/routes.js';
import { registerSignatureRoutes } from '../signatures/routes.js';
import { registerStudyRoutes } from '../studies/routes.js';
import { apiDocsPage } from './api-docs.js';
import { registerHealthRoutes } from './routes.js';
import { actorResolver, registerSecurityHeaders } from './security.js';
import { registerWebRoutes } from './web-routes.js';

export interface AppOptions {
  readonly vault: Vault;
  readonly logger?: FastifyBaseLogger | false;
  /** Serving HTTPS (certificate and key, PEM): cookies get Secure and answers get HSTS. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
  /** Sign-in and device-enrolment attempts per client address per minute (default RATE_LIMITS). */
  readonly authPerMinute?: number;
  /** Whole-store ledger verifications per client address per minute (default RATE_LIMITS). */
  readonly verifyPerMinute?: number;
  /** WebAuthn relying party: RP ID and origin (default: the host each request was sent to). */
  readonly relyingParty?: { readonly rpId?: string | undefined; readonly origin?: string | undefined };
}

const BODY_LIMIT = 1024 * 1024;

/** The one HTTP application: every capability's routes are mounted here. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const logger = options.logger === false || options.logger === undefined ? undefined : options.logger;
  const app = Fastify({
    ...(options.https === undefined
      ? {}
      : { https: { cert: options.https.cert, key: options.https.key, minVersion: 'TLSv1.2' as const } }),
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    // Errors raised before routing (a path parameter over maxParamLength, a malformed URL) answer the
    // typed error body too, never Fastify's own (review r16 F7).
    frameworkErrors: (_error, _request, reply) =>
      sendError(reply, appError('VALIDATION_FAILED', 'The request path is malformed or too long.')),
  });

  app.setNotFoundHandler((_request, reply) => sendError(reply, appError('NOT_FOUND', 'No such resource.')));
  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, appError('PAYLOAD_TOO_LARGE', 'The request body is too large.'));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, appError('VALIDATION_FAILED', 'The request is malformed.'));
    }
    // Unknown failures are logged for operators and answered with a generic error (ASVS 16.5.1).
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, INTERNAL_ERROR);
  });

  // Device uploads are COSE bytes, parsed by the telemetry service (its own size cap comes first).
  app.addContentTypeParser('application/cose', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  const tls = options.https !== undefined;
  registerSecurityHeaders(app, tls);
  registerHealthRoutes(app, options.vault.deps);
  // A log that does not match its witnessed checkpoints is never served quietly (review r17).
  // A callback hook: on a sound store (every request but those of a damaged one) it costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (storeSound(options.vault) || !request.url.startsWith('/api/')) return done();
    damagedStore(options.vault).then(
      (damaged) => (damaged === undefined ? done() : sendError(reply, damaged)),
      (error: Error) => done(error),
    );
  });
  const registry: ApiRegistry = { operations: [] };
  const limiter = new RateLimiter({
    'sign-in': options.authPerMinute ?? RATE_LIMITS['sign-in'],
    'device-enroll': options.authPerMinute ?? RATE_LIMITS['device-enroll'],
    'ledger-verify': options.verifyPerMinute ?? RATE_LIMITS['ledger-verify'],
  });
  const route = routeFor(app, registry, actorResolver(options.vault), limiter);
  // Each capability's routes get its own services, never the whole vault (issue #14).
  const vault = options.vault;
  registerAuthRoutes(route, vault, options.relyingParty ?? {});
  registerAccessRoutes(route, vault);
  registerAccountRoutes(route, vault);
  registerStudyRoutes(route, vault);
  registerFormRoutes(route, vault);
  registerScheduleRoutes(route, vault);
  registerGridRoutes(route, vault);
  registerParticipantRoutes(route, vault);
  registerRecordRoutes(route, vault);
  registerSignatureRoutes(route, vault);
  registerAuditRoutes(route, vault);
  registerLedgerRoutes(route, vault);
  registerLedgerAccessRoutes(route, vault);
  registerDeviceRoutes(route, vault);
  registerBackupRoutes(route, vault);
  registerExportRoutes(route, vault);
  const document = openApiDocument(registry);
  app.get('/api/openapi.json', async () => document);
  registerWebRoutes(app);
  app.get('/api/docs', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(apiDocsPage(registry)),
  );
  await app.ready();
  return app;
}
