import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/trialvault.js');

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${text}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /serving at (http:\/\/\S+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${text}`)));
  });
}

/** What `npm start` runs, as a real process on the built code: init, demo, serve, /healthz. */
describe('trialvault start (built binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initializes, seeds the demo, answers /healthz with 200 and stops cleanly on SIGTERM', async () => {
    const env = { ...process.env, TRIALVAULT_PORT: '0', TRIALVAULT_LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [bin, 'start'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await waitForUrl(child);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok', keys: 'ok' });

    const studies = spawn(process.execPath, [bin, 'studies', '--json'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let listing = '';
    studies.stdout.on('data', (c: Buffer) => (listing += c.toString()));
    expect(await new Promise((r) => studies.on('exit', r))).toBe(0);
    expect(JSON.parse(listing)).toEqual([
      expect.objectContaining({ protocolId: 'TV-DEMO-001', isDemo: true }),
    ]);

    child.kill('SIGTERM');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });
});
