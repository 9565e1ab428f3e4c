import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTotp } from '../support/fresh-totp.js';
import { type SignInBudget, watchSignInBudget } from '../support/sign-in-budget.js';

/**
 * Issue #15 items 4 and 5 from the user's seat: a study administrator defines the schedule; a
 * coordinator enters from the event grid (never a typed visit), sees the diastolic-above-systolic
 * check before submitting, is refused by the server, corrects, and sees the grid cell complete.
 */
const CHROMIUM = '/usr/bin/chromium';
const root = new URL('../../', import.meta.url).pathname;
const artifacts = join(root, 'test-artifacts', 'screenshots-schedule');
const available = existsSync(CHROMIUM);

const SCHEDULE = {
  events: [
    { oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG', 'LABS'] },
    {
      oid: 'BASELINE',
      name: 'Baseline',
      kind: 'baseline',
      day: 0,
      windowAfter: 3,
      forms: ['VITALS', 'RAND'],
    },
    {
      oid: 'WEEK4',
      name: 'Week 4',
      kind: 'scheduled',
      day: 28,
      windowBefore: 3,
      windowAfter: 3,
      forms: ['VITALS'],
    },
    {
      oid: 'WEEK8',
      name: 'Week 8',
      kind: 'scheduled',
      day: 56,
      windowBefore: 3,
      windowAfter: 3,
      forms: ['VITALS'],
    },
    {
      oid: 'WEEK52',
      name: 'Week 52',
      kind: 'scheduled',
      day: 364,
      windowBefore: 7,
      windowAfter: 7,
      forms: ['VITALS'],
    },
    { oid: 'AE', name: 'Adverse events', kind: 'repeating', forms: ['AE'] },
  ],
};

function secretFrom(output: string, role: string): string {
  const line = output.split('\n').find((l) => l.trim().startsWith(role));
  return /TOTP secret (\S+)/.exec(line ?? '')?.[1] ?? '';
}

describe.skipIf(!available && process.env.CI !== 'true')('schedule, grid and entry logic in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-sched-'));
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
    browser = await chromium.launchPersistentContext(join(dir, 'chromium'), {
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
    budget = await watchSignInBudget(browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({
      path: join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });

  async function signIn(page: Page, role: string, email: string) {
    await budget.reserve(2);
    await page.context().clearCookies();
    await page.goto(url);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('trialvault demo only');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel(/Code from your authenticator app/).waitFor();
    await page.getByLabel(/Code from your authenticator app/).fill(await freshTotp(secretFrom(output, role)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
  }

  it('21 CFR 11.10(h): entry follows the grid; diastolic above systolic is shown before submit and refused by the server', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'study_admin', 'study.admin@demo.trialvault.invalid');
    const put = await page.evaluate(async (schedule) => {
      const csrf = decodeURIComponent(
        /(?:^|;\s*)__Host-tv_csrf=([^;]+)/.exec(
          (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        )?.[1] ?? '',
      );
      const r = await fetch('/api/v1/studies/TV-DEMO-001/schedule', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(schedule),
      });
      return { status: r.status, body: await r.json() };
    }, SCHEDULE);
    expect(put.status).toBe(200);

    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('link', { name: 'S01-0001' }).click();
    await page.getByRole('heading', { name: /Participant S01-0001/ }).waitFor();
    await page.getByRole('region', { name: 'Event grid' }).waitFor();
    // No free-text visit: the chooser is gone once the study has a schedule.
    expect(await page.getByLabel(/^Visit/).count()).toBe(0);
    await page.getByRole('link', { name: 'Screening: DEMOG, Complete' }).waitFor();
    await shot(page, 'grid');
    await page.getByRole('link', { name: 'Week 52: VITALS, Not started' }).click();
    await page.getByRole('heading', { name: /New Vital signs · WEEK52/ }).waitFor();
    await page.getByLabel(/Systolic blood pressure/).fill('120');
    await page.getByLabel(/Diastolic blood pressure/).fill('140');
    // The browser evaluates the check with the server's module, before submit.
    await page
      .getByRole('list', { name: 'Edit checks' })
      .getByText(/Diastolic pressure must be below systolic/)
      .waitFor();
    await shot(page, 'check-before-submit');
    await page.getByRole('button', { name: 'Save first entry' }).click();
    await page
      .getByRole('alert')
      .getByText(/Check DIABP_BELOW_SYSBP: Diastolic pressure must be below systolic pressure/)
      .waitFor();
    await shot(page, 'refused-by-server');
    await page.getByLabel(/Diastolic blood pressure/).fill('80');
    expect(await page.getByRole('list', { name: 'Edit checks' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Save first entry' }).click();
    await page.getByRole('heading', { name: /^Vital signs · WEEK52 · S01-0001/ }).waitFor();
    await page.goBack();
    await page.goBack();
    await page.getByRole('link', { name: 'Week 52: VITALS, Complete' }).waitFor();
    await shot(page, 'grid-after-entry');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
