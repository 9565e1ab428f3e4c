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
  const stopCheckpoints = startCheckpoints(vault, settings, io);
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
  await stopCheckpoints();
  await app.close();
  await vault.close();
  return 0;
}

/**
 * Checkpoints while serving: after `checkpointEvents` new events, or `checkpointSeconds` after the last
 * one when anything was appended, and a final one at shutdown. A failure is reported, never fatal.
 */
function startCheckpoints(vault: Vault, settings: Settings, io: CliIo): () => Promise<void> {
  let last = Date.now();
  let running: Promise<void> = Promise.resolve();
  const tick = async (final: boolean) => {
    const due = final || Date.now() - last >= settings.checkpointSeconds * 1000;
    const made = await vault.ledger.checkpointIfBehind(due ? 1 : settings.checkpointEvents);
    if (!made.ok) io.err(`trialvault: checkpoint failed: ${made.error.message}`);
    else if (made.value?.witnessWarning !== undefined) io.err(`trialvault: ${made.value.witnessWarning}`);
    if (due) last = Date.now();
  };
  const interval = Math.min(5, settings.checkpointSeconds) * 1000;
  const timer = setInterval(() => {
    running = running.then(() => tick(false)).catch(() => {});
  }, interval);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await tick(true);
  };
}
