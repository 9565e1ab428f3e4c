import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { appError } from '../core/errors.js';
import { sendError } from '../http/errors.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where Vite put the web app: dist/web beside the compiled server, or under the project root. */
function webRoot(): string | undefined {
  for (const candidate of ['../../web/', '../../dist/web/']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${path}index.html`)) return path;
  }
  return undefined;
}

/** Serves the built web app (index.html and hashed assets) from the same origin as the API. */
export function registerWebRoutes(app: FastifyInstance): void {
  const root = webRoot();
  app.get('/', async (_request, reply) => {
    if (root === undefined) {
      return reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>TrialVault</title><p>The web app is not built: run <code>npm run build</code>.</p>',
        );
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(readFileSync(`${root}index.html`));
  });
  // Browsers ask for it unprompted; an empty answer keeps their consoles clean.
  app.get('/favicon.ico', async (_request, reply) => reply.status(204).send());
  app.get('/assets/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    // Only Vite's own flat, hashed file names: no path traversal is even expressible.
    if (root === undefined || !/^[A-Za-z0-9_.-]+$/.test(file) || !existsSync(`${root}assets/${file}`)) {
      return sendError(reply, appError('NOT_FOUND', 'No such resource.'));
    }
    return reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(readFileSync(`${root}assets/${file}`));
  });
}
