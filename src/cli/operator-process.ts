import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { generate } from 'otplib';
import { DEMO_PASSWORD, demoSecret } from '../demo/demo-accounts.js';

/** The built CLI, run as the operator runs it: a separate process per command. */
export const CLI_BIN = [
  new URL('../../../bin/trialvault.js', import.meta.url).pathname, // dist/src/cli
  new URL('../../bin/trialvault.js', import.meta.url).pathname, // src/cli (tests)
].find((p) => existsSync(p)) as string;

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 2, out, err }));
  });
}

/** Starts `trialvault serve` and resolves with its URL once it answers. */
export function startServer(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'serve'], {
      env: { ...env, TRIALVAULT_PORT: '0', TRIALVAULT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the server did not start:\n${text}`));
    }, 60_000);
    const seen = (c: Buffer) => {
      text += c.toString();
      const match = /serving at (https?:\/\/\S+)/.exec(text);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${text}`));
    });
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Signs in over HTTP as the demo study coordinator (password and TOTP) and reads a record revealed. */
export async function readRevealedOverHttp(url: string, recordId: string): Promise<Record<string, unknown>> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'coordinator@demo.trialvault.invalid', password: DEMO_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`sign-in answered ${login.status}`);
  const pre = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /tv_csrf=([^;]+)/.exec(pre)?.[1] ?? '';
  const code = await generate({ secret: demoSecret('coordinator'), epoch: Math.floor(Date.now() / 1000) });
  const totp = await fetch(`${url}/api/v1/auth/totp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: pre, 'x-csrf-token': csrf },
    body: JSON.stringify({ code }),
  });
  if (totp.status !== 200) throw new Error(`the second factor answered ${totp.status}`);
  // The accepted second factor issues the session's new token (ASVS 7.2.4).
  const cookie = totp.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const read = await fetch(`${url}/api/v1/records/${recordId}?reveal=true`, { headers: { cookie } });
  if (read.status !== 200) throw new Error(`reading the record answered ${read.status}`);
  return ((await read.json()) as { values: Record<string, unknown> }).values;
}
