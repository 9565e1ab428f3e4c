import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initVault, openVault, type Vault } from '../src/app/vault.js';
import { BackupService } from '../src/backup/service.js';
import { takeSnapshot } from '../src/backup/snapshot.js';
import { growStore } from '../src/backup/synthetic-growth.js';
import { run, startServer, stopServer } from '../src/cli/operator-process.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { DEMO_FORMS } from '../src/demo/demo-forms.js';
import { benchPlace } from './places.js';

const TARGET_MB = Number(process.env.TRIALVAULT_BENCH_BACKUP_MB ?? 1024);
const MB = 1024 * 1024;

async function grow(vault: Vault, file: string, megabytes: number, prefix: string): Promise<number> {
  const study = expectOk(await vault.studies.getStudy(CLI_ACTOR, 'BACKUP'));
  return expectOk(await growStore(vault, study.id, 'S01', file, megabytes, prefix));
}

function restic(args: string[], env: NodeJS.ProcessEnv) {
  const start = performance.now();
  const result = spawnSync('restic', args, { env, encoding: 'utf8', maxBuffer: 64 * MB });
  return { ok: result.status === 0, seconds: (performance.now() - start) / 1000, stderr: result.stderr };
}

/**
 * Ransomware recovery, timed from "the machine has only the target and the restore key file" to "the
 * server answers /healthz and verify passes", through the built CLI as separate processes (the runbook
 * of docs/backup.md).
 */
async function timeToRecover(target: string, restoreKey: string, dir: string) {
  const base: NodeJS.ProcessEnv = { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(base))
    if (k.startsWith('TRIALVAULT_') && k !== 'TRIALVAULT_LOG_LEVEL') delete base[k];
  const wiped = {
    ...base,
    TRIALVAULT_DATA_DIR: join(dir, 'gone'),
    TRIALVAULT_KEY_DIR: join(dir, 'gone-keys'),
  };
  const t0 = performance.now();
  const restored = await run(
    wiped,
    'backup',
    'restore',
    '--from',
    target,
    '--restore-key',
    restoreKey,
    '--to',
    join(dir, 'data'),
    '--keys-to',
    join(dir, 'keys'),
  );
  const restoreSeconds = (performance.now() - t0) / 1000;
  const env = { ...base, TRIALVAULT_DATA_DIR: join(dir, 'data'), TRIALVAULT_KEY_DIR: join(dir, 'keys') };
  const verified = await run(env, 'verify');
  const verifySeconds = (performance.now() - t0) / 1000 - restoreSeconds;
  const server = await startServer(env);
  try {
    const health = await fetch(`${server.url}/healthz`);
    return {
      ok: restored.code === 0 && verified.code === 0 && health.status === 200,
      restoreSeconds: Number(restoreSeconds.toFixed(2)),
      verifySeconds: Number(verifySeconds.toFixed(2)),
      totalSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    };
  } finally {
    await stopServer(server.child);
  }
}

/** Backup create and restore throughput and deduplication on a store of at least 1 GiB, next to restic. */
export async function benchBackup() {
  const place = await benchPlace('sqlite');
  if (place.location.dialect !== 'sqlite') throw new Error('sqlite expected');
  const file = place.location.file;
  const source = { keyDir: place.keyDir, passphrase: undefined };
  const vault = expectOk(await initVault(place.location, source, CLI_ACTOR));
  try {
    const study = expectOk(
      await vault.studies.createStudy(CLI_ACTOR, { protocolId: 'BACKUP', title: 'Backup bench' }),
    );
    expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'Bench' }));
    for (const form of DEMO_FORMS.filter((f) => f.oid === 'DEMOG' || f.oid === 'AE')) {
      expectOk(await vault.forms.defineForm(CLI_ACTOR, study.id, form));
      expectOk(await vault.forms.publish(CLI_ACTOR, study.id, form.oid));
    }
    const t0 = performance.now();
    const records = await grow(vault, file, TARGET_MB, 'R');
    const populateSeconds = (performance.now() - t0) / 1000;
    const backups = new BackupService(vault, source, openVault);
    const target = join(place.dir, 'target');
    const restoreKey = join(place.dir, 'restore.key');
    expectOk(await backups.init(CLI_ACTOR, target, restoreKey));
    // The ledger checkpoint a backup names is made first and timed apart (a serving process keeps its
    // tree warm; restic has no such step).
    const c0 = performance.now();
    expectOk(await vault.ledger.checkpoint());
    const checkpointSeconds = (performance.now() - c0) / 1000;
    const first = expectOk(await backups.create(CLI_ACTOR));
    await grow(vault, file, statSync(file).size / MB + 8, 'S'); // about 8 MiB of new records
    const second = expectOk(await backups.create(CLI_ACTOR));
    const v0 = performance.now();
    const verified = expectOk(await backups.verify(undefined, restoreKey));
    const verifySeconds = (performance.now() - v0) / 1000;
    const r0 = performance.now();
    const restored = expectOk(
      await backups.restore(CLI_ACTOR, undefined, restoreKey, join(place.dir, 'restored')),
    );
    const restoreSeconds = (performance.now() - r0) / 1000;
    const recovery = await timeToRecover(target, restoreKey, join(place.dir, 'wiped'));

    let resticResult: Record<string, unknown> = {
      installed: false,
      note: 'restic is not installed (Debian package restic)',
    };
    if (spawnSync('restic', ['version']).status === 0) {
      const snapshot = await takeSnapshot(vault.store);
      const snapFile = join(place.dir, 'snapshot.db');
      writeFileSync(snapFile, snapshot.bytes);
      const env = {
        ...process.env,
        RESTIC_REPOSITORY: join(place.dir, 'restic'),
        RESTIC_PASSWORD: 'bench-only-password',
      };
      restic(['init'], env);
      const backup1 = restic(['backup', '--quiet', snapFile], env);
      await grow(vault, file, statSync(file).size / MB + 8, 'T');
      writeFileSync(snapFile, (await takeSnapshot(vault.store)).bytes);
      const backup2 = restic(['backup', '--quiet', snapFile], env);
      const restore = restic(['restore', 'latest', '--target', join(place.dir, 'restic-restore')], env);
      const mb = snapshot.bytes.length / MB;
      resticResult = {
        installed: true,
        version: spawnSync('restic', ['version'], { encoding: 'utf8' }).stdout.trim(),
        createMBps: Number((mb / backup1.seconds).toFixed(1)),
        secondCreateSeconds: Number(backup2.seconds.toFixed(2)),
        restoreMBps: Number((mb / restore.seconds).toFixed(1)),
        restoreSeconds: Number(restore.seconds.toFixed(2)),
        ok: backup1.ok && backup2.ok && restore.ok,
      };
    }
    const mb = first.bytes / MB;
    return {
      bench: 'backup',
      description:
        'SQLite store; create = snapshot + chunk + Brotli (quality 1) + encrypt to the X25519 backup key + write; restore = read + decrypt + decompress + stream to the store file + check the digest + open + record the restore',
      store: {
        megabytes: Number(mb.toFixed(1)),
        records,
        populateSeconds: Number(populateSeconds.toFixed(1)),
      },
      trialvault: {
        createMBps: Number((mb / first.seconds).toFixed(1)),
        createSeconds: first.seconds,
        snapshot: first.snapshot,
        firstCheckpointSeconds: Number(checkpointSeconds.toFixed(2)),
        chunks: first.chunks,
        storedMB: Number((first.storedBytes / MB).toFixed(1)),
        secondCreate: {
          seconds: second.seconds,
          chunks: second.chunks,
          newChunks: second.newChunks,
          dedupRatio: Number((1 - second.newChunks / second.chunks).toFixed(3)),
        },
        verifySeconds: Number(verifySeconds.toFixed(2)),
        verifyLedgerOk: verified.ledger.ok,
        restoreMBps: Number((second.bytes / MB / restoreSeconds).toFixed(1)),
        restoreSeconds: Number(restoreSeconds.toFixed(2)),
        restoredEvents: restored.events,
        timeToRecover: recovery,
      },
      restic: resticResult,
      target: 'at least restic throughput',
    };
  } finally {
    await vault.close();
    await place.cleanup();
  }
}
