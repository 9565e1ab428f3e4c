import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { damagedStore } from '../app/damaged-store.js';
import { keySource, openVault, type Vault } from '../app/vault.js';
import { BackupService } from '../backup/service.js';
import type { Settings } from '../config/settings.js';
import { buildApp } from '../server/app.js';
import { createLogger } from '../server/logger.js';
import type { CliIo } from './io.js';

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  /** Scheduled backups: every this many milliseconds, to the target (or the configured one). */
  readonly backupEveryMs?: number;
  readonly backupTo?: string;
  /** Serve HTTPS with this certificate and key (PEM files). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

/** Starts the HTTP server and resolves when it stops (SIGINT/SIGTERM close it gracefully). */
export async function serve(
  vault: Vault,
  settings: Settings,
  options: ServeOptions,
  io: CliIo,
): Promise<number> {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    io.err('trialvault: --tls-cert and --tls-key go together');
    await vault.close();
    return 2;
  }
  // A log that does not match its witnessed checkpoints is not served (review r17): the alert is raised.
  const damaged = await damagedStore(vault);
  if (damaged !== undefined) {
    io.err(`trialvault: ${damaged.message}`);
    await vault.close();
    return 2;
  }
  let https: { cert: Buffer; key: Buffer } | undefined;
  try {
    https =
      options.tlsCert === undefined || options.tlsKey === undefined
        ? undefined
        : { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
  } catch {
    io.err('trialvault: the TLS certificate or key file cannot be read');
    await vault.close();
    return 2;
  }
  const app: FastifyInstance = await buildApp({
    vault,
    logger: createLogger(),
    relyingParty: { rpId: settings.rpId, origin: settings.origin },
    ...(https === undefined ? {} : { https }),
  });
  const host = options.host ?? settings.host;
  const port = options.port ?? settings.port;
  const address = await app.listen({ host, port });
  const stopCheckpoints = startCheckpoints(vault, settings, io);
  const stopBackups =
    options.backupEveryMs === undefined ? async () => {} : startBackups(vault, settings, options, io);
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
  await stopBackups();
  await stopCheckpoints();
  await app.close();
  await vault.close();
  return 0;
}

/** Scheduled backups while serving; a failure is reported on stderr and retried at the next tick. */
function startBackups(
  vault: Vault,
  settings: Settings,
  options: ServeOptions,
  io: CliIo,
): () => Promise<void> {
  const backups = new BackupService(vault, keySource(settings), openVault);
  const actor = { kind: 'system', id: 'scheduler' } as const;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        const made = await backups.create(actor, options.backupTo);
        if (made.ok)
          io.out(`backup ${made.value.id}: ${made.value.chunks} chunks, ${made.value.newChunks} new`);
        else io.err(`trialvault: scheduled backup failed: ${made.error.message}`);
      })
      .catch(() => {});
  }, options.backupEveryMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
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
