import type { FastifyInstance } from 'fastify';
import type { Vault } from '../app/vault.js';
import type { Settings } from '../config/settings.js';
import { buildApp } from '../server/app.js';
import { createLogger } from '../server/logger.js';
import type { CliIo } from './io.js';

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
}

/** Starts the HTTP server and resolves when it stops (SIGINT/SIGTERM close it gracefully). */
export async function serve(
  vault: Vault,
  settings: Settings,
  options: ServeOptions,
  io: CliIo,
): Promise<number> {
  const app: FastifyInstance = await buildApp({ vault, logger: createLogger() });
  const host = options.host ?? settings.host;
  const port = options.port ?? settings.port;
  const address = await app.listen({ host, port });
  io.out(
    `TrialVault is serving at ${address} (store: ${vault.store.dialect}, keys: ${vault.keyring.providerDescription})`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await app.close();
  await vault.close();
  return 0;
}
