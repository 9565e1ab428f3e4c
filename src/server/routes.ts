import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/errors.js';
import type { VaultDeps } from '../vault/deps.js';
import { checkHealth } from '../vault/health.js';

/** Liveness and readiness: 200 only when the store answers and the keys open it. */
export function registerHealthRoutes(app: FastifyInstance, deps: VaultDeps): void {
  app.get('/healthz', async (_request, reply) => sendResult(reply, await checkHealth(deps)));
}
