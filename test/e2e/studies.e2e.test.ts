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
const artifacts = join(root, 'test-artifacts', 'screenshots-studies');
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

describe.skipIf(!available && process.env.CI !== 'true')('study set-up in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-studies-'));
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

  it('issue #15 items 1, 11: a system administrator creates a study and two sites and moves it live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'system_admin', 'system.admin@demo.trialvault.invalid');
    await page.goto(`${url}/#/setup`);
    await page.getByRole('heading', { name: 'Study set-up' }).waitFor();
    await shot(page, 'setup-list');
    const create = page.getByRole('form', { name: 'Create a study' });
    await create.getByLabel('Protocol id').fill('E2E-001');
    await create.getByLabel('Title').fill('Browser pilot');
    await create.getByRole('button', { name: 'Create study' }).click();
    await page.getByRole('heading', { name: /E2E-001: Browser pilot/ }).waitFor();
    await shot(page, 'setup-created');
    const add = page.getByRole('form', { name: 'Add a site' });
    for (const [code, name] of [
      ['S01', 'North Clinic'],
      ['S02', 'South Clinic'],
    ] as const) {
      await add.getByLabel('Site code').fill(code);
      await add.getByLabel('Site name').fill(name);
      await add.getByRole('button', { name: 'Add site' }).click();
      await page.getByRole('list', { name: 'Sites' }).getByText(name).waitFor();
    }
    await shot(page, 'setup-sites');
    await page.getByRole('button', { name: 'Rename S02' }).click();
    await page.getByLabel('New name').fill('South Hospital');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('list', { name: 'Sites' }).getByText('South Hospital').waitFor();
    await page.getByRole('button', { name: 'Move to live' }).click();
    await page.getByLabel(/Reason/).fill('Ethics approval received');
    await shot(page, 'setup-confirm-live');
    await page.getByRole('button', { name: 'Confirm: live' }).click();
    await page.getByRole('button', { name: 'Close the study' }).waitFor();
    await page.getByRole('cell', { name: 'live' }).first().waitFor();
    await shot(page, 'setup-live');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'setup-390');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
  }, 180_000);

  it('issue #15 item 6: a coordinator enrols, screen-fails and withdraws participants at their site', async () => {
    const grant = spawn(
      process.execPath,
      [
        join(root, 'bin/trialvault.js'),
        'users',
        'grant',
        '--email',
        'coordinator@demo.trialvault.invalid',
        '--role',
        'coordinator',
        '--study',
        'E2E-001',
        '--site',
        'S01',
      ],
      { cwd: dir, env: { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' }, stdio: 'ignore' },
    );
    expect(await new Promise((r) => grant.on('exit', r))).toBe(0);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    await page.goto(`${url}/#/enrolment/E2E-001`);
    await page.getByRole('heading', { name: 'Enrolment' }).waitFor();
    // Only the coordinator's own site is offered.
    await page.getByRole('option', { name: /S01/ }).waitFor({ state: 'attached' });
    expect(await page.getByRole('option').count()).toBe(1 + 3);
    await shot(page, 'enrol-empty');
    const enrol = page.getByRole('form', { name: 'Enrol a participant' });
    await enrol.getByRole('button', { name: 'Enrol' }).click();
    await page.getByText('Enrolled S01-0001.').waitFor();
    await enrol.getByRole('button', { name: 'Enrol' }).click();
    await page.getByText('Enrolled S01-0002.').waitFor();
    await shot(page, 'enrol-two');
    await page.getByRole('button', { name: 'Screen-fail S01-0001' }).click();
    await page.getByLabel(/Reason/).fill('Blood pressure out of range');
    await shot(page, 'enrol-screen-fail');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Screen-fail S01-0001' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Withdraw S01-0002' }).click();
    await page.getByLabel(/Reason/).fill('Moved away');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'Withdraw S01-0002' }).waitFor({ state: 'detached' });
    // A screen failure is a status of its own, not a withdrawal (docs/participants.md).
    expect(await page.getByRole('cell', { name: 'screen failed' }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'withdrawn' }).count()).toBe(1);
    await shot(page, 'enrol-withdrawn');
    await page.getByLabel('Exact value').fill('MRN-NOBODY-1');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByText('No participant at your sites has this identifier.').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'enrol-390');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
  }, 180_000);
});
