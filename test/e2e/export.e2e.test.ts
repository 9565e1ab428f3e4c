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
const artifacts = join(root, 'test-artifacts', 'screenshots-export');
const available = existsSync(CHROMIUM);
if (!available && process.env.CI !== 'true') {
  console.warn(
    '\n[trialvault] /usr/bin/chromium is missing: the browser tests are SKIPPED (CI installs it).\n',
  );
}

/** A demo account's TOTP secret, as `npm start` prints it. */
function secretFrom(output: string, role: string): string {
  const line = output.split('\n').find((l) => l.trim().startsWith(role));
  return /TOTP secret (\S+)/.exec(line ?? '')?.[1] ?? '';
}

describe.skipIf(!available && process.env.CI !== 'true')('exports in headless Chromium (issue #16)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-export-e2e-'));
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

  /** Re-authentication in a form: the password and a code of an unused time step. */
  async function reauth(scope: ReturnType<Page['locator']>, role: string) {
    await scope.getByLabel('Password').fill('trialvault demo only');
    await scope.getByLabel('Code').fill(await freshTotp(secretFrom(output, role)));
  }

  it('a statistician previews and runs a de-identified export and sees the risk report (also at 390 px)', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'statistician', 'statistician@demo.trialvault.invalid');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exports' }).click();
    await page.locator('main a').first().click();
    await page.getByRole('heading', { name: 'Export' }).waitFor();
    // HIPAA 164.514(b)(2)(i)(C): Safe Harbor (years only) unless shifted dates are chosen, labelled as such.
    expect(await page.getByLabel('Dates').inputValue()).toBe('year');
    expect(await page.getByLabel('Dates').textContent()).toContain('Shifted (expert determination)');
    await page.getByLabel('Recipient').fill('Statistics unit');
    await page.getByLabel('Purpose').fill('Interim analysis');
    await page.getByRole('button', { name: 'Preview' }).click();
    // The preview is refused like the export when k is below the study's threshold: no row is shown.
    await page.getByRole('region', { name: 'Risk report' }).waitFor();
    expect(await page.locator('main table').count()).toBe(0);
    await shot(page, 'preview-refused');
    await page.getByLabel('Suppress (quasi-identifiers)').fill('BIRTH_DATE,ZIP');
    await page.getByRole('button', { name: 'Preview' }).click();
    const caption = page.getByText(/rows as Statistics unit will see them \(deidentified\)/);
    await caption.waitFor();
    expect(await caption.textContent()).toContain('HIPAA Safe Harbor): dates reduced to the year');
    await shot(page, 'preview');
    // Years only: no full date among the rows shown.
    expect(await page.locator('main table').textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // De-identified: no site, and no demo subject id (S01-0001 style) among the rows.
    expect(await page.locator('main table').textContent()).not.toMatch(/S0\d-\d{4}/);
    await page.getByRole('button', { name: 'Run export' }).click();
    const risk = page.getByRole('region', { name: 'Risk report' });
    await risk.waitFor();
    await shot(page, 'risk-first-run');
    if ((await risk.textContent())?.includes('refused')) {
      await page.getByLabel('Suppress (quasi-identifiers)').fill('BIRTH_DATE,ZIP');
      await page.getByRole('button', { name: 'Run export' }).click();
      await page.getByRole('region', { name: 'Export report' }).waitFor();
    }
    const report = page.getByRole('region', { name: 'Export report' });
    await report.getByText(/passes/).waitFor();
    await report.getByText('De-identified (HIPAA Safe Harbor): dates reduced to the year.').waitFor();
    await shot(page, 'export-report');
    const download = page.waitForEvent('download');
    await report.getByRole('button', { name: 'Download' }).first().click();
    await download;
    await report.getByRole('button', { name: 'Downloaded' }).first().waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'export-390px');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('an identified export requested by the data manager waits in the queue and is approved by the study admin', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'data_manager', 'data.manager@demo.trialvault.invalid');
    await page.goto(`${url}/#/exports`);
    await page.locator('main a').first().click();
    const studyUrl = page.url();
    await page.getByLabel('Profile').selectOption('identified');
    await page.getByLabel('Recipient').fill('Sponsor safety desk');
    await page.getByLabel('Purpose').fill('SUSAR reconciliation');
    await reauth(page.getByRole('form', { name: 'Request approval' }), 'data_manager');
    await page.getByRole('button', { name: 'Request approval' }).click();
    await page
      .getByText(/Requested; waiting for approval/)
      .waitFor()
      .catch(async (e) => {
        await shot(page, 'identified-request-failed');
        throw e;
      });
    await shot(page, 'identified-requested');
    // Not approved yet: the export is refused.
    await page.getByRole('button', { name: 'Make the export once approved' }).click();
    await page.getByText(/needs a request approved by a second person/).waitFor();
    await shot(page, 'identified-refused-unapproved');

    await signIn(page, 'study_admin', 'study.admin@demo.trialvault.invalid');
    await page.goto(studyUrl);
    const queue = page.getByRole('region', { name: 'Approval queue' });
    const item = queue.getByRole('listitem').filter({ hasText: 'Sponsor safety desk' });
    await item.waitFor();
    await shot(page, 'queue');
    await reauth(item, 'study_admin');
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved.').waitFor();
    await queue.getByText(/approved: csv for Sponsor safety desk/).waitFor();
    // Only the requester makes the approved export (the server refuses the approver): no button here.
    await item.getByText('Approved, waiting for the requester to make the export.').waitFor();
    expect(await item.getByRole('button', { name: 'Make the approved export' }).count()).toBe(0);
    await shot(page, 'queue-approved');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
