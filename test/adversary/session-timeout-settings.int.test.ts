// Found by the outside review (2026-12-03): TRIALVAULT_SESSION_IDLE_MINUTES and _MAX_HOURS were read
// and checked but never applied, so a site's shorter automatic logoff was silently 15 minutes / 12
// hours. HIPAA 164.312(a)(2)(iii): the configured timeouts are the ones the running server enforces.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, describe, expect, it } from 'vitest';
import { cookiesOf } from '../support/http-auth.js';

const root = new URL('../../', import.meta.url).pathname;

describe('adversary: configured session timeouts are enforced by the server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-timeouts-'));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    // Stopped and waited for, so no server outlives the test (SIGKILL if it does not stop).
    const running = child;
    if (running !== undefined && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('HIPAA 164.312(a)(2)(iii): TRIALVAULT_SESSION_IDLE_MINUTES=1 and _MAX_HOURS=1 are the session’s limits', async () => {
    child = spawn(process.execPath, [join(root, 'bin/trialvault.js'), 'start'], {
      cwd: dir,
      env: {
        ...process.env,
        TRIALVAULT_PORT: '0',
        TRIALVAULT_LOG_LEVEL: 'warn',
        TRIALVAULT_SESSION_IDLE_MINUTES: '1',
        TRIALVAULT_SESSION_MAX_HOURS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
      child?.stdout?.on('data', (c: Buffer) => {
        output += c.toString();
        const match = /serving at (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const line = output.split('\n').find((l) => l.trim().startsWith('coordinator')) ?? '';
    const secret = /TOTP secret (\S+)/.exec(line)?.[1] ?? '';
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'coordinator@demo.trialvault.invalid',
        password: 'trialvault demo only',
      }),
    });
    const pre = cookiesOf(login.headers.getSetCookie());
    const totp = await fetch(`${url}/api/v1/auth/totp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: pre,
        'x-csrf-token': /tv_csrf=([^;]+)/.exec(pre)?.[1] ?? '',
      },
      body: JSON.stringify({ code: await generate({ secret }) }),
    });
    expect(totp.status).toBe(200);
    const session = await fetch(`${url}/api/v1/auth/session`, {
      headers: { cookie: cookiesOf(totp.headers.getSetCookie()) },
    });
    const facts = (await session.json()) as { idleMinutes: number; expiresAt: string };
    expect(facts.idleMinutes).toBe(1);
    const hours = (Date.parse(facts.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0.9);
    expect(hours).toBeLessThanOrEqual(1);
  }, 120_000);
});
