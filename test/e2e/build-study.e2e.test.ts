import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, type DemoBrowser, startDemoBrowser } from '../support/demo-browser.js';

/**
 * Issue #15 acceptance, from the users' seats, in one story: a system administrator creates a study
 * and two sites and grants roles; a data manager designs two forms (branching, a calculated BMI, a
 * cross-field check), defines a schedule of four events and publishes; a coordinator enrols and enters
 * the baseline event from the grid, and the diastolic-above-systolic entry is refused with a clear
 * message; a version 2 is published and the record entered before keeps version 1.
 */

describe.skipIf(!BROWSER_TESTS)('a study built from nothing in Chromium', () => {
  let demo: DemoBrowser;
  beforeAll(async () => {
    demo = await startDemoBrowser('screenshots-build-study');
  }, 120_000);
  afterAll(async () => demo?.close());
  const shot = (page: Page, name: string) => demo.shot(page, name);
  const signIn = (page: Page, role: string, email: string) => demo.signIn(page, role, email);
  const newPage = () => demo.browser.newPage();

  const design = async (
    page: Page,
    oid: string,
    name: string,
    fields: [string, string, string, string, string][],
  ) => {
    await page.getByRole('link', { name: 'New form' }).click();
    await page.getByLabel('Form OID').fill(oid);
    await page.getByLabel('Form name').fill(name);
    for (const [i, [label, fieldOid, type, unit, calc]] of fields.entries()) {
      if (i > 0) await page.getByRole('button', { name: 'Add field' }).click();
      const editor = page.locator('fieldset.field-editor');
      await editor.getByLabel('Question (label)').fill(label);
      await editor.getByLabel('Field name (OID)').fill(fieldOid);
      await editor.getByLabel('Type', { exact: true }).selectOption(type);
      await editor.getByRole('radio', { name: /^Clinical/ }).check();
      if (unit !== '') await editor.getByLabel('Unit').fill(unit);
      if (calc !== '') await editor.getByLabel(/Calculated as/).fill(calc);
    }
  };
  const publishAs = async (page: Page, reason: string, version: number) => {
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('button', { name: 'Draft saved' }).waitFor();
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Reason for this version').fill(reason);
    await publish.getByRole('button', { name: 'Publish new version' }).click();
    await page
      .getByRole('status')
      .getByText(new RegExp(`Version ${version} is live`))
      .waitFor();
  };
  const api = (page: Page, method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ([m, p, b]) => {
        const doc = (globalThis as unknown as { document: { cookie: string } }).document;
        const csrf = decodeURIComponent(/(?:^|;\s*)__Host-tv_csrf=([^;]+)/.exec(doc.cookie)?.[1] ?? '');
        const r = await fetch(p as string, {
          method: m as string,
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          ...(b === undefined ? {} : { body: JSON.stringify(b) }),
        });
        return { status: r.status, body: await r.json() };
      },
      [method, path, body] as const,
    );

  it('issue #15: a study is set up, designed, scheduled, enrolled and entered in the browser, and version 2 leaves old records on version 1', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    // 1. The system administrator: the study, two sites, the roles, live.
    await signIn(page, 'system_admin', 'system.admin@demo.trialvault.invalid');
    await page.goto(`${demo.url}/#/setup`);
    const create = page.getByRole('form', { name: 'Create a study' });
    await create.getByLabel('Protocol id').fill('BUILD-001');
    await create.getByLabel('Title').fill('Hypertension pilot');
    await create.getByRole('button', { name: 'Create study' }).click();
    await page.getByRole('heading', { name: /BUILD-001: Hypertension pilot/ }).waitFor();
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
    await page.getByRole('button', { name: 'Move to live' }).click();
    await page.getByLabel(/Reason/).fill('Ethics approval received');
    await page.getByRole('button', { name: 'Confirm: live' }).click();
    await page.getByRole('button', { name: 'Close the study' }).waitFor();
    await shot(page, 'admin-study-and-sites');
    await page.goto(`${demo.url}/#/admin`);
    const grant = page.getByRole('form', { name: 'Grant a role' });
    for (const [email, role, site] of [
      ['data.manager@demo.trialvault.invalid', 'data_manager', ''],
      ['coordinator@demo.trialvault.invalid', 'coordinator', 'S01'],
    ] as const) {
      await grant.getByLabel('E-mail').fill(email);
      await grant.getByLabel('Role').selectOption(role);
      await grant.getByLabel('Study (protocol id)').fill('BUILD-001');
      await grant.getByLabel('Site code (optional)').fill(site);
      const made = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/grants') && r.request().method() === 'POST',
      );
      await grant.getByRole('button', { name: 'Grant' }).click();
      expect((await made).status()).toBe(201);
    }
    await shot(page, 'admin-grants');

    // 2. The data manager: two forms, a four-event schedule, published.
    await signIn(page, 'data_manager', 'data.manager@demo.trialvault.invalid');
    await page.getByRole('link', { name: /BUILD-001/ }).click();
    const studyUrl = page.url();
    await page.getByRole('link', { name: 'Design forms' }).click();
    await design(page, 'VS', 'Vital signs', [
      ['Systolic blood pressure', 'SYSBP', 'integer', 'mmHg', ''],
      ['Diastolic blood pressure', 'DIABP', 'integer', 'mmHg', ''],
    ]);
    await page.getByRole('button', { name: 'Add edit check' }).click();
    await page.getByLabel('Check 1 name').fill('DIABP_BELOW_SYSBP');
    await page.getByLabel('Check 1 expression').fill('[DIABP] < [SYSBP]');
    await page.getByLabel('Check 1 message').fill('Diastolic pressure must be below systolic pressure');
    await publishAs(page, 'First version', 1);
    await page.getByRole('link', { name: 'All forms' }).click();
    await design(page, 'BODY', 'Body measurements', [
      ['Weight', 'WEIGHT', 'decimal', 'kg', ''],
      ['Height', 'HEIGHT', 'decimal', 'cm', ''],
      ['Body mass index', 'BMI', 'decimal', 'kg/m2', '[WEIGHT] / ([HEIGHT] / 100) ^ 2'],
      ['Waist circumference', 'WAIST', 'decimal', 'cm', ''],
    ]);
    await page
      .locator('fieldset.field-editor')
      .getByLabel(/Show only when/)
      .fill('[WEIGHT] > 100');
    await shot(page, 'dm-designer');
    await publishAs(page, 'First version', 1);
    await page.goto(studyUrl);
    await page.getByRole('link', { name: 'Visit schedule' }).click();
    const events: [string, string, string, string[]][] = [
      ['Screening', 'screening', '', ['BODY']],
      ['Baseline', 'baseline', '0', ['VS', 'BODY']],
      ['Week 4', 'scheduled', '28', ['VS']],
      ['Week 8', 'scheduled', '56', ['VS']],
    ];
    for (const [i, [name, kind, day, forms]] of events.entries()) {
      await page.getByRole('button', { name: 'Add event' }).click();
      const box = page.getByRole('group', { name: `Event ${i + 1}` });
      await box.getByLabel('Event name').fill(name);
      await box.getByLabel('Kind').selectOption(kind);
      if (day !== '') await box.getByLabel('Target day').fill(day);
      for (const f of forms) await box.getByLabel(f, { exact: true }).check();
    }
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page
      .getByRole('status')
      .getByText(/Saved: version 1/)
      .waitFor();
    await shot(page, 'dm-schedule');

    // 3. The coordinator: enrol at S01, enter the baseline from the grid; the check refuses 140/120.
    await signIn(page, 'coordinator', 'coordinator@demo.trialvault.invalid');
    await page.getByRole('link', { name: /BUILD-001/ }).click();
    const dashboard = page.url();
    const studyId = /#\/studies\/([^/]+)/.exec(dashboard)?.[1] ?? '';
    await page.goto(`${demo.url}/#/enrolment/${studyId}`);
    await page
      .getByRole('form', { name: 'Enrol a participant' })
      .getByRole('button', { name: 'Enrol' })
      .click();
    await page.getByText('Enrolled S01-0001.').waitFor();
    await shot(page, 'coordinator-enrolled');
    await page.goto(dashboard);
    await page.getByRole('link', { name: 'S01-0001' }).click();
    await page.getByRole('region', { name: 'Event grid' }).waitFor();
    await shot(page, 'coordinator-grid');
    await page.getByRole('link', { name: 'Baseline: VS, Not started' }).click();
    await page.getByLabel(/Systolic blood pressure/).fill('120');
    await page.getByLabel(/Diastolic blood pressure/).fill('140');
    await page.getByRole('button', { name: 'Save first entry' }).click();
    await page
      .getByRole('alert')
      .getByText(/Diastolic pressure must be below systolic pressure/)
      .waitFor();
    await shot(page, 'coordinator-refused');
    await page.getByLabel(/Diastolic blood pressure/).fill('80');
    await page.getByRole('button', { name: 'Save first entry' }).click();
    await page.getByRole('heading', { name: /^Vital signs · BASELINE · S01-0001/ }).waitFor();
    const recordId = /#\/records\/([^/]+)/.exec(page.url())?.[1] ?? '';
    await shot(page, 'coordinator-saved');

    // 4. The data manager publishes VS version 2; the record keeps version 1.
    await signIn(page, 'data_manager', 'data.manager@demo.trialvault.invalid');
    await page.goto(`${demo.url}/#/designer/${studyId}/VS`);
    await page.getByRole('button', { name: /^Systolic blood pressure SYSBP/ }).click();
    await page.locator('fieldset.field-editor').getByLabel('Maximum').fill('260');
    await publishAs(page, 'Upper limit for systolic pressure', 2);
    await shot(page, 'dm-version-2');
    const versions = await api(page, 'GET', `/api/v1/studies/${studyId}/forms/VS/versions`);
    const v1 = (versions.body as { items: { version: number; versionId: string }[] }).items.find(
      (v) => v.version === 1,
    );
    const record = await api(page, 'GET', `/api/v1/records/${recordId}`);
    expect(record.status).toBe(200);
    expect((record.body as { formVersionId: string }).formVersionId).toBe(v1?.versionId);
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);
});
