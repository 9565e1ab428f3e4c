import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, type Ran, readRevealedOverHttp, run, stopServer } from '../../src/cli/operator-process.js';
import { DIALECTS, freshPlace, type TestPlace } from '../support/stores.js';

/**
 * Ransomware recovery from the operator's seat (ICH E6(R3) 4.3.3; 21 CFR 11.10(c); ASVS 14.2.x
 * backups), through the built CLI as separate processes (build first: npm run build): a machine wiped
 * of its data and key directories comes back from the backup target and the offline restore key alone,
 * by following the runbook in docs/backup.md word for word.
 */
const runbook = (() => {
  const doc = readFileSync(new URL('../../docs/backup.md', import.meta.url), 'utf8');
  const block = /<!-- runbook:start -->\s*```sh\n([\s\S]*?)```\s*<!-- runbook:end -->/.exec(doc)?.[1] ?? '';
  return block.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
})();

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env))
    if (k.startsWith('TRIALVAULT_') && k !== 'TRIALVAULT_LOG_LEVEL') delete env[k];
  return env;
}

/** `trialvault` on PATH, as the operator has it. */
function shim(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'trialvault'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
  chmodSync(join(bin, 'trialvault'), 0o755);
  return bin;
}

function shell(line: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', line], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 2, out, err }));
  });
}

function serveLine(line: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `exec env ${line}`], {
      env: { ...env, TRIALVAULT_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const seen = (c: Buffer) => {
      text += c.toString();
      const m = /serving at (http:\/\/\S+)/.exec(text);
      if (m?.[1] !== undefined) resolve({ url: m[1], child });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${text}`)));
  });
}

/** A populated store with a backup, writes after it, and the originals of one participant's records. */
async function populate(env: NodeJS.ProcessEnv, dir: string) {
  const target = join(dir, 'target');
  const restoreKey = join(dir, 'offline', 'restore.key');
  mkdirSync(join(dir, 'offline'), { recursive: true });
  expect((await run(env, 'demo', '--seed', '4')).code).toBe(0);
  expect((await run(env, 'backup', 'init', '--to', target, '--restore-key-out', restoreKey)).code).toBe(0);
  const [participant] = JSON.parse(
    (await run(env, 'participants', 'list', '--study', 'TV-DEMO-001', '--site', 'S01', '--json')).out,
  ) as { id: string }[];
  const trail = JSON.parse(
    (await run(env, 'audit', '--participant', participant?.id ?? '', '--json')).out,
  ) as {
    records: { record: { id: string } }[];
  };
  const originals = new Map<string, Record<string, unknown>>();
  for (const { record } of trail.records) {
    const read = await run(env, 'record', record.id, '--reveal', '--json');
    originals.set(record.id, (JSON.parse(read.out) as { values: Record<string, unknown> }).values);
  }
  const backup = await run(env, 'backup', 'create', '--json');
  expect(backup.code, backup.err).toBe(0);
  // Written after the backup: the loss window.
  expect((await run(env, 'record', trail.records[0]?.record.id ?? '', '--reveal')).code).toBe(0);
  return { target, restoreKey, originals };
}

async function pgQuery(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

for (const dialect of DIALECTS) {
  describe(`ransomware recovery on a wiped machine (${dialect}, built CLI)`, () => {
    let place: TestPlace;
    afterEach(async () => place.cleanup());

    it('ICH E6(R3) 4.3.3: the runbook of docs/backup.md, run word for word, brings back a server with every value and a passing verify', async () => {
      place = await freshPlace(dialect);
      const dir = place.dir;
      const witness = join(dir, 'witness-host', 'witness.log');
      mkdirSync(join(dir, 'witness-host'));
      const location = place.location;
      const pgUrl = (schema: string) =>
        location.dialect === 'postgres'
          ? `${location.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
          : '';
      const env = {
        ...baseEnv(),
        TRIALVAULT_DATA_DIR: join(dir, 'data'),
        TRIALVAULT_KEY_DIR: join(dir, 'keys'),
        TRIALVAULT_WITNESS_FILE: witness,
        ...(location.dialect === 'postgres' ? { TRIALVAULT_DB_URL: pgUrl(location.schema ?? '') } : {}),
      };
      const { target, restoreKey, originals } = await populate(env, dir);
      expect(originals.size).toBeGreaterThan(0);

      // The attack took the machine: no data directory, no key directory (and, for PostgreSQL, the schema).
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      rmSync(join(dir, 'keys'), { recursive: true, force: true });
      const newSchema = `${location.dialect === 'postgres' ? location.schema : 'x'}_new`;
      if (location.dialect === 'postgres') {
        await pgQuery(location.url, `drop schema ${location.schema} cascade`);
        await pgQuery(location.url, `create schema ${newSchema}`);
      }
      const NEW = join(dir, 'new');
      const operator = {
        ...baseEnv(),
        PATH: `${shim(dir)}:${process.env.PATH ?? ''}`,
        TARGET: target,
        RESTORE_KEY: restoreKey,
        WITNESS: witness,
        NEW,
        NEW_URL: pgUrl(newSchema),
        // The operator's shell still points at the attacked places: nothing may be read from them.
        TRIALVAULT_DATA_DIR: join(dir, 'data'),
        TRIALVAULT_KEY_DIR: join(dir, 'keys'),
      };
      expect(runbook.length).toBe(4);
      // PostgreSQL: the runbook's note says to use --to-url and TRIALVAULT_DB_URL instead.
      const lines =
        dialect === 'sqlite'
          ? runbook
          : runbook.map((l) =>
              l
                .replace('--to "$NEW/data"', '--to-url "$NEW_URL"')
                .replace('TRIALVAULT_DATA_DIR="$NEW/data"', 'TRIALVAULT_DB_URL="$NEW_URL"'),
            );
      let server: { url: string; child: ChildProcess } | undefined;
      try {
        for (const line of lines) {
          if (/ serve$/.test(line)) {
            server = await serveLine(line, operator);
            continue;
          }
          const ran = await shell(line, operator);
          expect(ran.code, `${line}\n${ran.out}${ran.err}`).toBe(0);
          if (line.includes('backup restore')) {
            expect(ran.out).toMatch(/LOST: events \d+ to \d+/);
            expect(ran.out).toMatch(/consistency proof/);
          }
          if (/ verify$/.test(line)) expect(ran.out).toMatch(/^OK:/);
        }
        expect(server).toBeDefined();
        const url = server?.url ?? '';
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
        for (const [id, values] of originals) {
          // Each sign-in uses a fresh TOTP step: read them all in one session instead.
          expect(await readRevealedOverHttp(url, id)).toEqual(values);
          break;
        }
      } finally {
        if (server !== undefined) await stopServer(server.child);
      }
      // The recreated directories are owner-only (ASVS 13.3.1).
      expect(statSync(join(NEW, 'keys')).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(join(NEW, 'keys')))
        expect(statSync(join(NEW, 'keys', f)).mode & 0o777).toBe(0o600);
      if (dialect === 'sqlite') {
        expect(statSync(join(NEW, 'data')).mode & 0o777).toBe(0o700);
        expect(statSync(join(NEW, 'data', 'trialvault.db')).mode & 0o777).toBe(0o600);
      }
      // Every value of the participant, decrypted with the recovered keys, equals the original.
      const renv = {
        ...baseEnv(),
        TRIALVAULT_KEY_DIR: join(NEW, 'keys'),
        ...(dialect === 'sqlite'
          ? { TRIALVAULT_DATA_DIR: join(NEW, 'data') }
          : { TRIALVAULT_DB_URL: pgUrl(newSchema) }),
      };
      for (const [id, values] of originals) {
        const read = await run(renv, 'record', id, '--reveal', '--json');
        expect((JSON.parse(read.out) as { values: unknown }).values).toEqual(values);
      }
      // The witness kept on the other host still verifies the restored log: what it holds before the
      // snapshot matches, the checkpoints of the loss window are acknowledged by the restore event.
      const withHost = await run({ ...renv, TRIALVAULT_WITNESS_FILE: witness }, 'verify', '--json');
      expect(withHost.code, withHost.out).toBe(0);
      expect(JSON.parse(withHost.out).witnessed).toBeGreaterThan(0);
      if (location.dialect === 'postgres') await pgQuery(location.url, `drop schema ${newSchema} cascade`);
    }, 180_000);
  });
}
