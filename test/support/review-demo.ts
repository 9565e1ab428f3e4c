// Outside-review harness (r16): the real demo server as a separate process, driven over HTTP with the
// demo accounts it prints, as a statistician, sponsor or insider would. No src/ import. On SQLite, and
// on PostgreSQL (a fresh schema) when the test run has one (test/global-setup.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { freshTotp } from './fresh-totp.js';

const pgUrl = inject('pgUrl');
/** The dialects the review tests run on: PostgreSQL too when reachable (required in CI). */
export const DIALECTS: readonly ('sqlite' | 'postgres')[] =
  pgUrl === '' ? ['sqlite'] : ['sqlite', 'postgres'];

async function pgQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export const DEMO_PASSWORD = 'trialvault demo only';
export const STUDY = 'TV-DEMO-001';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'trialvault.js');

// biome-ignore lint/suspicious/noExplicitAny: the JSON of an answer, read field by field in assertions
export type Answer = { status: number; text: string; json: any; headers: Headers };

export interface Session {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

export interface Demo {
  readonly base: string;
  readonly env: NodeJS.ProcessEnv;
  signIn(role: string): Promise<Session>;
  stop(): Promise<void>;
}

export async function startDemo(dialect: 'sqlite' | 'postgres' = 'sqlite'): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-review-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const schema = dialect === 'postgres' ? `tv_${randomBytes(6).toString('hex')}` : undefined;
  if (schema !== undefined) await pgQuery(`create schema ${schema}`);
  const env = {
    ...process.env,
    TRIALVAULT_DATA_DIR: join(dir, 'data'),
    TRIALVAULT_KEY_DIR: join(dir, 'keys'),
    TRIALVAULT_LOG_LEVEL: 'error',
    TRIALVAULT_DB_URL:
      schema === undefined ? '' : `${pgUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
  };
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--port', String(port)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${out}`)), 90_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('TrialVault is serving at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (c) => reject(new Error(`demo exited ${c}: ${out}`)));
  });
  const accounts = new Map<string, { email: string; secret: string }>();
  for (const m of out.matchAll(/^\s+(\w+)\s+(\S+@\S+)\s+password "[^"]*"\s+TOTP secret (\w+)/gm)) {
    accounts.set(m[1] ?? '', { email: m[2] ?? '', secret: m[3] ?? '' });
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    env,
    async signIn(role) {
      const account = accounts.get(role);
      if (account === undefined) throw new Error(`no demo account ${role}`);
      let cookie = '';
      const call = async (
        method: string,
        path: string,
        body?: unknown,
        headers: Record<string, string> = {},
      ) => {
        const csrf = /__Host-tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
        const r = await fetch(base + path, {
          method,
          headers: {
            'content-type': 'application/json',
            cookie,
            origin: base,
            'x-csrf-token': csrf,
            ...headers,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        for (const c of r.headers.getSetCookie()) {
          const kv = c.split(';')[0] ?? '';
          const name = kv.split('=')[0];
          cookie = [...cookie.split('; ').filter((x) => x !== '' && !x.startsWith(`${name}=`)), kv].join(
            '; ',
          );
        }
        const text = await r.text();
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {}
        return { status: r.status, text, json, headers: r.headers };
      };
      const login = await call('POST', '/api/v1/auth/login', {
        email: account.email,
        password: DEMO_PASSWORD,
      });
      if (login.status !== 200) throw new Error(`login ${login.status} ${login.text}`);
      const totp = await call('POST', '/api/v1/auth/totp', { code: await freshTotp(account.secret) });
      if (totp.status !== 200) throw new Error(`totp ${totp.status} ${totp.text}`);
      return { call };
    },
    async stop() {
      // The files (and the schema) are removed once the server has exited, not after a guessed delay.
      const exited = new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
      );
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      if (schema !== undefined) await pgQuery(`drop schema if exists ${schema} cascade`);
    },
  };
}

/** Runs an export over the API and downloads every file: name -> text. */
export async function exportAndDownload(
  s: Session,
  body: unknown,
): Promise<{ answer: Answer; files: Map<string, string> }> {
  const answer = await s.call('POST', `/api/v1/studies/${STUDY}/exports`, body);
  const files = new Map<string, string>();
  if (answer.status !== 201) return { answer, files };
  for (const f of answer.json.files as { name: string }[]) {
    const d = await s.call(
      'GET',
      `/api/v1/exports/${answer.json.exportId}/files/${encodeURIComponent(f.name)}`,
    );
    files.set(f.name, d.text);
  }
  return { answer, files };
}

export async function firstParticipant(coordinator: Session): Promise<string> {
  const list = await coordinator.call('GET', `/api/v1/studies/${STUDY}/participants?limit=1`);
  return list.json.items[0].id as string;
}

export async function writeAe(
  coordinator: Session,
  participantId: string,
  visit: string,
  term: string,
): Promise<Answer> {
  return coordinator.call('POST', '/api/v1/records', {
    participantId,
    form: 'AE',
    visit,
    values: { TERM: term, ONSET: '2026-01-05', SEVERITY: '1', SERIOUS: false, RELATED: false },
  });
}
