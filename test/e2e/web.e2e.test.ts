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
const artifacts = join(root, 'test-artifacts', 'screenshots');
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

describe.skipIf(!available && process.env.CI !== 'true')('web app in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-web-'));
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

  it('a demo coordinator signs in with TOTP, enters and corrects data with a reason, reveals, and sees the history', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    await shot(page, 'studies');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('heading', { name: 'Participants' }).waitFor();
    // Site scoping: a coordinator of S01 sees S01 only.
    expect(await page.getByRole('cell', { name: 'S02', exact: true }).count()).toBe(0);
    await shot(page, 'study-dashboard');
    await page.getByRole('link', { name: 'S01-0001' }).click();
    await page.getByRole('heading', { name: /Participant S01-0001/ }).waitFor();
    await shot(page, 'participant');
    // Enter a form: a first entry, rendered from the form definition.
    await page.getByLabel('Form', { exact: true }).selectOption('VITALS');
    await page.getByLabel(/^Visit/).fill('WEEK12');
    await page.getByRole('button', { name: 'Open the form' }).click();
    await page.getByRole('heading', { name: /New Vital signs · WEEK12/ }).waitFor();
    await page.getByLabel(/Systolic blood pressure/).fill('131');
    await page.getByLabel(/Diastolic blood pressure/).fill('84');
    await shot(page, 'record-new');
    await page.getByRole('button', { name: 'Save first entry' }).click();
    await page.getByRole('heading', { name: /^Vital signs · WEEK12 · S01-0001/ }).waitFor();
    await page.getByText('Version 1').waitFor();
    await page.goBack();
    await page.goBack();
    await page.getByRole('link', { name: /^VITALS · WEEK12/ }).waitFor();
    await page.getByRole('link', { name: /^VITALS · BASELINE/ }).click();
    await page.getByLabel(/Heart rate/).waitFor();
    await page.getByLabel(/Heart rate/).fill('77');
    await page.getByLabel(/Reason for change/).fill('Transcription error, checked against source');
    await shot(page, 'record-edit');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('cell', { name: 'Transcription error, checked against source' }).waitFor();
    await shot(page, 'record-history');
    await page.goBack();
    await page.getByRole('link', { name: /^DEMOG · SCREENING/ }).click();
    await page.getByRole('button', { name: /Reveal protected values/ }).click();
    await page.getByLabel(/Full name/).waitFor();
    expect(await page.getByLabel(/Full name/).inputValue()).toMatch(/\w+ \w+/);
    await shot(page, 'record-revealed');
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  }, 120_000);

  it('an investigator finds their reveal in the audit trail, signs, and sees the signature invalidated by a change', async () => {
    const page = await browser.newPage();
    await signIn(page, 'principal_investigator', 'principal.investigator@demo.trialvault.invalid');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('link', { name: 'S02-0001' }).click();
    await page.getByRole('link', { name: /^DEMOG · SCREENING/ }).click();
    await page.getByRole('button', { name: /Reveal protected values/ }).click();
    await page.getByLabel(/Full name/).waitFor();
    await page.getByRole('button', { name: 'Show the audit trail' }).click();
    await page.getByRole('cell', { name: 'record.reveal' }).first().waitFor();
    await shot(page, 'audit-trail-reveal');
    // 21 CFR 11.200(a)(1): the first signing in a session takes the password and a fresh TOTP code.
    await page.getByLabel('Meaning of the signature').selectOption('approved');
    await page.getByLabel('Your password').fill('trialvault demo only');
    await page
      .getByLabel(/Authenticator code/)
      .fill(await freshTotp(secretFrom(output, 'principal_investigator')));
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await page.getByText('valid', { exact: true }).waitFor();
    await shot(page, 'signed');
    const sex = await page.getByLabel(/Sex at birth/).inputValue();
    await page.getByLabel(/Sex at birth/).selectOption(sex === 'M' ? 'F' : 'M');
    await page.getByLabel(/Reason for change/).fill('Corrected after source document review');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText(/invalid: the record changed after signing/).waitFor();
    await shot(page, 'signature-invalidated');
    await page.goto(`${url}/#/ledger`);
    await page.getByText(/The latest signed checkpoint covers/).waitFor();
    await shot(page, 'ledger');
    await page.close();
  }, 120_000);

  /** `trialvault device simulate` against the running demo server; its JSON summary. */
  async function simulate(...args: string[]): Promise<{ ok: boolean; participantId: string }> {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/trialvault.js'), 'device', 'simulate', '--server', url, ...args],
      {
        cwd: dir,
        env: { ...process.env, TRIALVAULT_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    return JSON.parse(out) as { ok: boolean; participantId: string };
  }

  it('FDA DHT: a coordinator sees a wearable, its heart-rate chart and a spike quarantined with its reason', async () => {
    expect((await simulate('--minutes', '30')).ok).toBe(true);
    const spiked = await simulate('--minutes', '3', '--mode', 'spike');
    expect(spiked.ok).toBe(true);
    const page = await browser.newPage();
    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    await page.goto(`${url}/#/participants/${spiked.participantId}`);
    await page.getByRole('heading', { name: 'Wearables' }).waitFor();
    // issue #15 item 9: the unit in words, a uPlot time axis, quarantined points listed with why.
    await page.getByText(/Heart rate \(beats per minute\): \d+ accepted samples/).waitFor();
    const chart = page.getByRole('figure', { name: 'Heart rate chart' });
    await chart.locator('.uplot canvas').first().waitFor();
    await chart
      .getByRole('table', { name: 'Heart rate quarantined samples' })
      .getByText('outside the physiological range')
      .first()
      .waitFor();
    await chart.getByLabel('Heart rate range').selectOption({ label: 'Last 7 days' });
    await chart.getByText(/Heart rate \(beats per minute\): \d+ accepted samples/).waitFor();
    expect(await page.getByRole('cell', { name: 'active' }).count()).toBeGreaterThan(0);
    await shot(page, 'participant-wearable-chart');
    await page.close();
  }, 180_000);

  it('ASVS 7.2.1, 8.2.1: a study administrator creates its own API token, sees it listed and revokes it', async () => {
    const page = await browser.newPage();
    await signIn(page, 'study_admin', 'study.admin@demo.trialvault.invalid');
    await page.goto(`${url}/#/admin`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/Copy it now, it is not shown again/).waitFor();
    const row = page.getByRole('row', { name: /study\.admin@demo\.trialvault\.invalid/ });
    await row.waitFor();
    await shot(page, 'admin-token-created');
    await page
      .getByRole('button', { name: 'Revoke the token of study.admin@demo.trialvault.invalid' })
      .click();
    await row.getByText(/^revoked /).waitFor();
    await shot(page, 'admin-token-revoked');
    await page.close();
  }, 120_000);

  it('ICH E6(R3) 4.3.3: a system administrator sees the backup status on the administration page', async () => {
    const page = await browser.newPage();
    await signIn(page, 'system_admin', 'system.admin@demo.trialvault.invalid');
    await page.goto(`${url}/#/admin`);
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByText(/None yet: run "trialvault backup init"/).waitFor();
    await page.getByText(/None: no backup has been proven restorable/).waitFor();
    await shot(page, 'admin-backup-status');
    await page.close();
  }, 120_000);

  it("ASVS 8.2.2: a coordinator cannot reach another site's participant by URL", async () => {
    const page = await browser.newPage();
    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    // Find an S02 participant id with the principal investigator's API view is not needed: any id the
    // coordinator cannot see answers exactly like a missing one.
    await page.goto(`${url}/#/participants/01a00000-0000-7000-8000-000000000000`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('No such participant.');
    await shot(page, 'other-site-not-found');
    await page.close();
  }, 120_000);

  it('ASVS 6.5, 3.3.1: __Host- cookies over plain http on 127.0.0.1; a monitor adds a passkey (re-authenticated) and signs in with it, then removes it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Plain http on 127.0.0.1: the browser keeps the __Host- (Secure) cookies, and sign-in works.
    await signIn(page, 'monitor', 'monitor@demo.trialvault.invalid');
    const names = (await page.context().cookies()).map((c) => c.name).sort();
    expect(names).toEqual(['__Host-tv_csrf', '__Host-tv_session']);
    // WebAuthn needs a domain name as RP ID (never an IP address): the same server as localhost.
    const local = url.replace('127.0.0.1', 'localhost');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    const secret = secretFrom(output, 'monitor');
    await signIn(page, 'monitor', 'monitor@demo.trialvault.invalid', local);
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    await page.getByText('No passkeys yet.').waitFor();
    // What follows makes 8 rate-limited requests (refused add, add, sign-out, passkey sign-in, remove):
    // any wait for the server's sign-in limit happens here, not inside a locator's timeout.
    await budget.reserve(8);
    // Without the password and a current code nothing is added: a wrong code is refused.
    await page.getByLabel('Password').fill('trialvault demo only');
    await page.getByLabel(/Current code/).fill('000000');
    await page.getByLabel(/Name of the new passkey/).fill('virtual authenticator');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('alert').waitFor();
    await shot(page, 'security-refused');
    await page.getByLabel('Password').fill('trialvault demo only');
    await page.getByLabel(/Current code/).fill(await freshTotp(secret));
    await page.getByLabel(/Name of the new passkey/).fill('virtual authenticator');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('cell', { name: 'virtual authenticator', exact: true }).waitFor();
    await shot(page, 'security-passkey-added');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Password, then the passkey as the second factor: no code typed.
    await page.getByLabel('E-mail').fill('monitor@demo.trialvault.invalid');
    await page.getByLabel('Password').fill('trialvault demo only');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await shot(page, 'login-passkey-offered');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    await shot(page, 'signed-in-with-passkey');
    // Removing it needs the password and a current code too.
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('cell', { name: 'virtual authenticator', exact: true }).waitFor();
    await page.getByLabel('Password').fill('trialvault demo only');
    await page.getByLabel(/Current code/).fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Remove virtual authenticator' }).click();
    await page.getByText('No passkeys yet.').waitFor();
    await shot(page, 'security-passkey-removed');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
