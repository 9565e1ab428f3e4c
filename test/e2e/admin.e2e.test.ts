import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTotp } from '../support/fresh-totp.js';
import { type SignInBudget, watchSignInBudget } from '../support/sign-in-budget.js';

const CHROMIUM = '/usr/bin/chromium';
const root = new URL('../../', import.meta.url).pathname;
const artifacts = join(root, 'test-artifacts', 'screenshots-admin');
const available = existsSync(CHROMIUM);
if (!available && process.env.CI !== 'true') {
  console.warn(
    '\n[trialvault] /usr/bin/chromium is missing: the browser tests are SKIPPED (CI installs it).\n',
  );
}

/** The demo coordinator's TOTP secret, as `npm start` prints it. */
function secretFrom(output: string, role: string): string {
  const line = output.split('\n').find((l) => l.trim().startsWith(role));
  return /TOTP secret (\S+)/.exec(line ?? '')?.[1] ?? '';
}

describe.skipIf(!available && process.env.CI !== 'true')('administration in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-admin-'));
  let server: ChildProcess;
  let browser: BrowserContext;
  let budget: SignInBudget;
  let url = '';
  let output = '';
  let step = 0;

  beforeAll(async () => {
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    server = spawn(process.execPath, [join(root, 'bin/trialvault.js'), 'start'], {
      cwd: dir,
      env: { ...process.env, TRIALVAULT_PORT: '0', TRIALVAULT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
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
    // A fresh profile each run (the user-data-dir), Debian's Chromium, no network chatter.
    browser = await chromium.launchPersistentContext(join(dir, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    budget = await watchSignInBudget(browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The page's scroll width (evaluated in the browser, where `document` exists). */
  const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

  async function shot(page: Page, name: string) {
    await page.screenshot({
      path: join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  }

  async function signIn(page: Page, role: string, email: string, base = url) {
    await budget.reserve(2);
    await page.context().clearCookies();
    await page.goto(base);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('trialvault demo only');
    await shot(page, `${role}-login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel(/Code from your authenticator app/).waitFor();
    await page.getByLabel(/Code from your authenticator app/).fill(await freshTotp(secretFrom(output, role)));
    await shot(page, `${role}-totp`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
  }

  it('issue #15 item 8: a system administrator disables, re-enables and resets an account; the user changes their password', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'system_admin', 'system.admin@demo.trialvault.invalid');
    await page.goto(`${url}/#/admin`);
    const row = page.getByRole('row', { name: /coordinator@demo\.trialvault\.invalid/ });
    await row.waitFor();
    await shot(page, 'admin-accounts');
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText(/is disabled; their sessions have ended/).waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();
    await shot(page, 'admin-disabled');
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.getByText(/is enabled again/).waitFor();
    await row.getByRole('button', { name: 'Grants' }).click();
    await page
      .getByRole('list', { name: /Grants of coordinator/ })
      .getByText(/coordinator/)
      .waitFor();
    await shot(page, 'admin-grants');
    await row.getByRole('button', { name: 'Reset password' }).click();
    await page.getByLabel('Your password').fill('trialvault demo only');
    await page.getByLabel('Your current code').fill(await freshTotp(secretFrom(output, 'system_admin')));
    await page
      .getByRole('form', { name: 'Reset password' })
      .getByRole('button', { name: 'Reset password' })
      .click();
    const status = page.getByText(/Temporary password for coordinator@demo\.trialvault\.invalid/);
    await status.waitFor();
    const temporary = /: (\S+)$/.exec((await status.textContent()) ?? '')?.[1] ?? '';
    expect(temporary.length).toBeGreaterThan(20);
    await shot(page, 'admin-password-reset');
    // A study role sees no account actions at all (hidden, not offered and refused).
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'admin-390px');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    // Issue #15 item 10: the navigation is behind a menu button on a phone, and reachable.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).waitFor();
    await page.screenshot({ path: join(artifacts, `${String(++step).padStart(2, '0')}-menu-390px.png`) });
    await page.getByRole('link', { name: 'Studies' }).click();
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    await shot(page, 'studies-390px');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);

    // The coordinator signs in with the temporary password and sets their own.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.context().clearCookies();
    await page.goto(url);
    await page.getByLabel('E-mail').fill('coordinator@demo.trialvault.invalid');
    await page.getByLabel('Password').fill(temporary);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel(/Code from your authenticator app/).waitFor();
    await page
      .getByLabel(/Code from your authenticator app/)
      .fill(await freshTotp(secretFrom(output, 'coordinator')));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    await page.goto(`${url}/#/account`);
    await page.getByLabel('Current password').fill('the wrong password entirely');
    await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple 15');
    await page.getByLabel('New password again').fill('correct horse battery staple 15');
    await page.getByLabel(/Current code/).fill(await freshTotp(secretFrom(output, 'coordinator')));
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    await shot(page, 'own-password-wrong');
    await page.getByLabel('Current password').fill(temporary);
    await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple 15');
    await page.getByLabel('New password again').fill('correct horse battery staple 15');
    await page.getByLabel(/Current code/).fill(await freshTotp(secretFrom(output, 'coordinator')));
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText(/Password changed/).waitFor();
    await shot(page, 'own-password-changed');
    await page.goto(`${url}/#/admin`);
    await page.getByText('Accounts are managed by system administrators.').waitFor();
    await shot(page, 'admin-as-coordinator');
    // The coordinator's study and a participant at 390 px: no horizontal scroll of the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/#/`);
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    await page.locator('main a').first().click();
    await page.locator('main table a').first().waitFor();
    await shot(page, 'study-390px');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    // The page is measured once everything on it has loaded (no fixed wait): the wearables panel shows
    // no "Loading…", so its answer is awaited; the other parts show "Loading…" until theirs arrives.
    const devices = page.waitForResponse((r) => /\/participants\/[^/]+\/devices$/.test(r.url()));
    await page.locator('main table a').first().click();
    await page.getByRole('heading', { name: /^Participant / }).waitFor();
    await devices;
    await expect.poll(() => page.locator('main').getByText('Loading…').count()).toBe(0);
    await shot(page, 'participant-390px');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
