import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, type DemoBrowser, startDemoBrowser } from '../support/demo-browser.js';

/**
 * Issue #15 items 6 and 8 from the users' seats: a coordinator enrols a participant in screening and
 * screen-fails them (a status of its own, counted on the dashboard); controls for writes a role may
 * not make are not offered: a monitor and a statistician read the same pages without an enrol,
 * status, save, lock, sign, device, designer, schedule, verify or grant control, while the roles
 * that may still see theirs.
 */

const email = (role: string) => `${role.replace(/_/g, '.')}@demo.trialvault.invalid`;

describe.skipIf(!BROWSER_TESTS)('role-gated controls and screen failure in Chromium', () => {
  let demo: DemoBrowser;
  let studyId = '';
  let participantUrl = '';
  let recordUrl = '';
  beforeAll(async () => {
    demo = await startDemoBrowser('screenshots-role-controls');
  }, 120_000);
  afterAll(async () => demo?.close());
  const shot = (page: Page, name: string) => demo.shot(page, name);
  const signIn = (page: Page, role: string) => demo.signIn(page, role, email(role));
  const go = async (page: Page, hash: string, heading: RegExp) => {
    await page.goto(`${demo.url}${hash}`);
    await page.getByRole('heading', { name: heading }).first().waitFor();
  };
  const count = (page: Page, role: 'button' | 'form' | 'link', name: string | RegExp) =>
    page.getByRole(role, { name }).count();

  it('issue #15 item 6: a coordinator enrols in screening and screen-fails with a reason; the status shows everywhere', async () => {
    const page = await demo.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'coordinator');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    studyId = /#\/studies\/([^/]+)/.exec(page.url())?.[1] ?? '';
    await page.getByRole('link', { name: 'S01-0001' }).click();
    await page.getByRole('heading', { name: /Participant S01-0001/ }).waitFor();
    participantUrl = page.url();
    await page
      .getByRole('link', { name: /VITALS · / })
      .first()
      .click();
    await page.getByRole('button', { name: 'Save new version' }).waitFor();
    recordUrl = page.url();
    // A coordinator enters data but neither locks nor signs (docs/access.md).
    expect(await count(page, 'button', 'Lock record')).toBe(0);
    expect(await count(page, 'form', 'Sign')).toBe(0);
    await shot(page, 'coordinator-record');

    await go(page, `#/enrolment/${studyId}`, /Enrolment/);
    // S01-0001 was randomised: it may be withdrawn, not screen-failed.
    await page.getByRole('button', { name: 'Withdraw S01-0001' }).waitFor();
    expect(await count(page, 'button', 'Screen-fail S01-0001')).toBe(0);
    await page.getByRole('button', { name: 'Enrol' }).click();
    const enrolled = await page.getByRole('status').filter({ hasText: 'Enrolled' }).textContent();
    const subject = /Enrolled (\S+)\./.exec(enrolled ?? '')?.[1] ?? '';
    expect(subject).toMatch(/^S01-\d{4}$/);
    await page.getByRole('button', { name: `Screen-fail ${subject}` }).click();
    await page.getByLabel('Reason (no identifiers)').fill('Inclusion criterion 3 not met');
    await page.getByRole('button', { name: 'Confirm' }).click();
    const row = page.getByRole('row').filter({ hasText: subject });
    await row.getByText('screen failed').waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    await shot(page, 'screen-failed');
    await row.getByRole('link', { name: subject }).click();
    await page.getByText(/Site S01, screen failed\./).waitFor();
    await go(page, `#/studies/${studyId}`, /Dashboard/);
    await page.getByText(/1 screen failed/).waitFor();
    await shot(page, 'dashboard-counts');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('issue #15 item 8: a monitor reads without any write control; direct addresses say the role may not', async () => {
    const page = await demo.browser.newPage();
    await signIn(page, 'monitor');
    await go(page, `#/enrolment/${studyId}`, /Enrolment/);
    await page.getByRole('cell', { name: 'S01-0001' }).waitFor();
    expect(await count(page, 'form', 'Enrol a participant')).toBe(0);
    expect(await count(page, 'button', /^(Screen-fail|Withdraw) /)).toBe(0);
    expect(await count(page, 'form', 'Look up a participant')).toBe(1);
    await shot(page, 'monitor-enrolment');
    await page.goto(participantUrl);
    await page.getByRole('heading', { name: /Participant S01-0001/ }).waitFor();
    await page.getByRole('region', { name: 'Event grid' }).or(page.getByText('Records')).first().waitFor();
    expect(await page.locator('a[href^="#/new/"]').count()).toBe(0);
    expect(await count(page, 'form', 'New entry')).toBe(0);
    expect(await page.getByText('Register a device').count()).toBe(0);
    // A monitor may reveal quasi-identifiers (source data verification): the button stays.
    expect(await count(page, 'button', 'Reveal (audited)')).toBe(1);
    await shot(page, 'monitor-participant');
    await page.goto(recordUrl);
    await page.getByRole('heading', { name: /Vital signs/ }).waitFor();
    expect(await count(page, 'button', 'Save new version')).toBe(0);
    await page.getByText(/Your role reads this record and may not change it/).waitFor();
    expect(await page.getByLabel(/Systolic blood pressure/).isDisabled()).toBe(true);
    expect(await count(page, 'button', 'Lock record')).toBe(0);
    expect(await count(page, 'form', 'Sign')).toBe(0);
    expect(await count(page, 'button', 'Show the audit trail')).toBe(1);
    await shot(page, 'monitor-record');
    await page.goto(`${demo.url}#/designer/${studyId}`);
    await page.getByText('Your role may not design forms in this study.').waitFor();
    await page.goto(`${demo.url}#/schedule/${studyId}`);
    await page.getByText('Your role may not edit the visit schedule in this study.').waitFor();
    await go(page, '#/ledger', /Audit ledger/);
    expect(await count(page, 'button', 'Verify now')).toBe(0);
    await go(page, '#/admin', /Administration/);
    expect(await count(page, 'form', 'Grant a role')).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Exports' }).count()).toBe(0);
    await shot(page, 'monitor-admin');
    await page.close();
  }, 180_000);

  it('issue #15 item 8: a statistician may export de-identified data only, and look up no one', async () => {
    const page = await demo.browser.newPage();
    await signIn(page, 'statistician');
    await go(page, `#/enrolment/${studyId}`, /Enrolment/);
    expect(await count(page, 'form', 'Enrol a participant')).toBe(0);
    expect(await count(page, 'form', 'Look up a participant')).toBe(0);
    expect(await count(page, 'button', /^(Screen-fail|Withdraw) /)).toBe(0);
    // No protected class to reveal: no Reveal button to be refused.
    await page.goto(participantUrl);
    await page.getByRole('heading', { name: /Participant S01-0001/ }).waitFor();
    expect(await count(page, 'button', 'Reveal (audited)')).toBe(0);
    await page.goto(recordUrl);
    await page.getByRole('heading', { name: /Vital signs/ }).waitFor();
    expect(await count(page, 'button', 'Save new version')).toBe(0);
    expect(await count(page, 'button', 'Show the audit trail')).toBe(0);
    await go(page, `#/exports/${studyId}`, /Export/);
    await page.getByRole('button', { name: 'Run export' }).waitFor();
    const profiles = await page.getByLabel('Profile').locator('option').allTextContents();
    expect(profiles.some((p) => p.startsWith('Identified'))).toBe(false);
    await shot(page, 'statistician-export');
    await page.close();
  }, 180_000);

  it('issue #15 item 8: a data manager who may still sees lock, the designer and the schedule editor', async () => {
    const page = await demo.browser.newPage();
    await signIn(page, 'data_manager');
    await page.goto(recordUrl);
    await page.getByRole('button', { name: /^(Lock record|Unlock)$/ }).waitFor();
    expect(await count(page, 'button', 'Save new version')).toBe(0);
    await shot(page, 'data-manager-record');
    await go(page, `#/designer/${studyId}`, /Form designer/);
    expect(await count(page, 'link', 'New form')).toBe(1);
    await page.goto(`${demo.url}#/schedule/${studyId}`);
    await page.getByRole('button', { name: 'Save schedule' }).waitFor();
    await shot(page, 'data-manager-schedule');
    await page.close();
  }, 180_000);
});
