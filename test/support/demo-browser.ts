import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { freshTotp } from './fresh-totp.js';
import { watchSignInBudget } from './sign-in-budget.js';

/** Debian's Chromium (never a downloaded browser); required in CI, skipped with a notice elsewhere. */
const CHROMIUM = '/usr/bin/chromium';
export const BROWSER_TESTS = existsSync(CHROMIUM) || process.env.CI === 'true';
const root = new URL('../../', import.meta.url).pathname;

/** The demo server (`trialvault start`, a real process) and a fresh Chromium, as its users meet them. */
export interface DemoBrowser {
  readonly url: string;
  readonly browser: BrowserContext;
  /** A full-page screenshot, numbered in order, under test-artifacts/NAME/. */
  shot(page: Page, name: string): Promise<Buffer>;
  /** Signs a demo account in with its password and a TOTP code of an unused step (test/support/fresh-totp.ts). */
  signIn(page: Page, role: string, email: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoBrowser(artifactsName: string): Promise<DemoBrowser> {
  const artifacts = join(root, 'test-artifacts', artifactsName);
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'tv-e2e-'));
  const server: ChildProcess = spawn(process.execPath, [join(root, 'bin/trialvault.js'), 'start'], {
    cwd: dir,
    env: { ...process.env, TRIALVAULT_PORT: '0', TRIALVAULT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    server.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /serving at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const browser = await chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
  const budget = await watchSignInBudget(browser);
  const secretOf = (role: string) =>
    /TOTP secret (\S+)/.exec(output.split('\n').find((l) => l.trim().startsWith(role)) ?? '')?.[1] ?? '';
  let step = 0;
  return {
    url,
    browser,
    shot: (page, name) =>
      page.screenshot({
        path: join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      }),
    async signIn(page, role, email) {
      await budget.reserve(2);
      await page.context().clearCookies();
      await page.goto(url);
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill('trialvault demo only');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel(/Code from your authenticator app/).waitFor();
      await page.getByLabel(/Code from your authenticator app/).fill(await freshTotp(secretOf(role)));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Studies' }).waitFor();
    },
    async close() {
      await browser.close();
      server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
