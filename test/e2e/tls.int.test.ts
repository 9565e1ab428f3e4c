import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/trialvault.js', import.meta.url).pathname;

function get(
  url: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    // A self-signed test certificate: the test trusts it explicitly, nothing else does.
    const req = request(
      url,
      { method, rejectUnauthorized: false, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve --tls-cert --tls-key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ASVS 12.1.1: serves HTTPS with HSTS and Secure cookies', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const env = {
      ...process.env,
      TRIALVAULT_DATA_DIR: join(dir, 'data'),
      TRIALVAULT_KEY_DIR: join(dir, 'keys'),
      TRIALVAULT_PORT: '0',
      TRIALVAULT_LOG_LEVEL: 'warn',
    };
    execFileSync(process.execPath, [bin, 'demo'], { env, stdio: 'ignore' });
    writeFileSync(join(dir, 'pw'), 'a long enough test passphrase');
    execFileSync(
      process.execPath,
      [
        bin,
        'users',
        'add',
        '--email',
        'stat@example.org',
        '--name',
        'Stat',
        '--password-file',
        join(dir, 'pw'),
      ],
      { env, stdio: 'ignore' },
    );
    execFileSync(
      process.execPath,
      [
        bin,
        'users',
        'grant',
        '--email',
        'stat@example.org',
        '--role',
        'statistician',
        '--study',
        'TV-DEMO-001',
      ],
      { env, stdio: 'ignore' },
    );
    const server = spawn(
      process.execPath,
      [bin, 'serve', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(out)), 30_000);
      server.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /serving at (https:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const health = await get(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toContain('max-age=31536000');
    const login = await get(
      `${url}/api/v1/auth/login`,
      'POST',
      JSON.stringify({ email: 'nobody@example.org', password: 'not a real password' }),
    );
    expect(login.status).toBe(401);
    server.kill('SIGTERM');
    expect(await new Promise((r) => server.on('exit', r))).toBe(0);
  });
});
