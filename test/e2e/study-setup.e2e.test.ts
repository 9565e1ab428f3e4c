import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_TESTS, type DemoBrowser, startDemoBrowser } from '../support/demo-browser.js';

/**
 * Issue #15 items 2 and 4 from the study administrator's seat: the visit schedule defined in the
 * browser (four events, forms per event, windows), then entry chosen from the grid it makes.
 */
const root = new URL('../../', import.meta.url).pathname;

describe.skipIf(!BROWSER_TESTS)('study set-up pages in Chromium', () => {
  let demo: DemoBrowser;
  beforeAll(async () => {
    demo = await startDemoBrowser('screenshots-study-setup');
  }, 120_000);
  afterAll(async () => demo?.close());
  const shot = (page: Page, name: string) => demo.shot(page, name);
  const signIn = (page: Page, role: string, email: string) => demo.signIn(page, role, email);
  const newPage = () => demo.browser.newPage();

  it('21 CFR 11.10(a): a study administrator defines four events in the schedule editor and the grid follows it', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'study_admin', 'study.admin@demo.trialvault.invalid');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('link', { name: 'Visit schedule' }).click();
    await page.getByRole('heading', { name: 'Visit schedule' }).waitFor();
    const events: [string, string, string, string[]][] = [
      ['Screening', 'screening', '', ['DEMOG', 'LABS']],
      ['Baseline', 'baseline', '0', ['VITALS', 'RAND']],
      ['Week 4', 'scheduled', '28', ['VITALS']],
      ['Adverse events', 'repeating', '', ['AE']],
    ];
    for (const [i, [name, kind, day, forms]] of events.entries()) {
      await page.getByRole('button', { name: 'Add event' }).click();
      const box = page.getByRole('group', { name: `Event ${i + 1}` });
      await box.getByLabel('Event name').fill(name);
      await box.getByLabel('Kind').selectOption(kind);
      if (day !== '') await box.getByLabel('Target day').fill(day);
      if (kind === 'scheduled') {
        await box.getByLabel('Days before').fill('3');
        await box.getByLabel('Days after').fill('3');
      }
      for (const f of forms) await box.getByLabel(f, { exact: true }).check();
    }
    await shot(page, 'schedule-editor');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page
      .getByRole('status')
      .getByText(/Saved: version 1/)
      .waitFor();
    await shot(page, 'schedule-saved');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'schedule-phone');
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('link', { name: 'Back to the study' }).click();
    await page.getByRole('link', { name: 'Design forms' }).click();
    await page.getByRole('link', { name: /VITALS/ }).waitFor();
    await shot(page, 'designer-catalogue');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('21 CFR 11.10(e): a data manager designs a form with branching, a calculated BMI and a cross-field check, publishes it with a reason, and a version 2 with a diff', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await signIn(page, 'data_manager', 'data.manager@demo.trialvault.invalid');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('link', { name: 'Design forms' }).click();
    await page.getByRole('link', { name: 'New form' }).click();
    await page.getByLabel('Form OID').fill('BODY');
    await page.getByLabel('Form name').fill('Body measurements');
    const fields: [string, string, string, string][] = [
      ['Weight', 'decimal', 'kg', ''],
      ['Height', 'decimal', 'cm', ''],
      ['Body mass index', 'decimal', 'kg/m2', '[WEIGHT] / ([HEIGHT] / 100) ^ 2'],
      ['Pregnant', 'boolean', '', ''],
    ];
    for (const [i, [label, type, unit, calc]] of fields.entries()) {
      if (i > 0) await page.getByRole('button', { name: 'Add field' }).click();
      const editor = page.locator('fieldset.field-editor');
      await editor.getByLabel('Question (label)').fill(label);
      await editor.getByLabel('Type', { exact: true }).selectOption(type);
      await editor.getByRole('radio', { name: /^Clinical/ }).check();
      if (unit !== '') await editor.getByLabel('Unit').fill(unit);
      if (calc !== '') await editor.getByLabel(/Calculated as/).fill(calc);
    }
    await page
      .locator('fieldset.field-editor')
      .getByLabel(/Show only when/)
      .fill("[SEX] = 'F'");
    // A branching condition on a field this form does not have is caught before saving.
    await page.getByText(/\[SEX\] is not a field of this form/).waitFor();
    await shot(page, 'designer-logic-problem');
    await page
      .locator('fieldset.field-editor')
      .getByLabel(/Show only when/)
      .fill('[WEIGHT] > 40');
    await page.getByRole('button', { name: 'Add edit check' }).click();
    await page.getByLabel('Check 1 expression').fill('[HEIGHT] > 100');
    await page.getByLabel('Check 1 message').fill('Height must be above 100 cm');
    // The preview is the form as the coordinator will see it, logic live.
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByLabel(/Weight/).fill('80');
    await preview.getByLabel(/^Height/).fill('90');
    await preview.getByText(/Height must be above 100 cm/).waitFor();
    await preview.getByLabel(/^Height/).fill('200');
    expect(await preview.getByLabel(/Body mass index/).inputValue()).toBe('20');
    await shot(page, 'designer-preview');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('button', { name: 'Draft saved' }).waitFor();
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByText('First version: 4 fields.').waitFor();
    await publish.getByLabel('Reason for this version').fill('First version for the screening visit');
    await publish.getByRole('button', { name: 'Publish new version' }).click();
    await page
      .getByRole('status')
      .getByText(/Version 1 is live/)
      .waitFor();
    await shot(page, 'designer-published');

    // Version 2: the weight range changes; the diff is shown before the reason.
    await page.getByRole('button', { name: /^Weight WEIGHT/ }).click();
    await page.locator('fieldset.field-editor').getByLabel('Maximum').fill('250');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('button', { name: 'Draft saved' }).waitFor();
    await publish.getByText('WEIGHT: max (none) -> 250').waitFor();
    await publish.getByLabel('Reason for this version').fill('Upper plausibility limit for weight');
    await publish.getByRole('button', { name: 'Publish new version' }).click();
    await page
      .getByRole('status')
      .getByText(/Version 2 is live/)
      .waitFor();
    await shot(page, 'designer-version-2');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'designer-phone');
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('issue #15 item 3: a data manager imports the PHQ-9 REDCap dictionary in the designer; a broken line is named and nothing is imported', async () => {
    const page = await newPage();
    await signIn(page, 'data_manager', 'data.manager@demo.trialvault.invalid');
    await page.getByRole('link', { name: /TV-DEMO-001/ }).click();
    await page.getByRole('link', { name: 'Design forms' }).click();
    const panel = page.getByRole('region', { name: 'Import a data dictionary' });
    const phq9 = readFileSync(join(root, 'src/forms/dictionary/fixtures/phq9.csv'), 'utf8');
    const lines = phq9.split('\n');
    const broken = [
      ...lines.slice(0, 3),
      lines[3]?.replace(/,radio,/, ',nonsense,') ?? '',
      ...lines.slice(4),
    ].join('\n');
    await panel
      .getByLabel(/Form JSON, REDCap/)
      .setInputFiles({ name: 'phq9-broken.csv', mimeType: 'text/csv', buffer: Buffer.from(broken) });
    await panel.getByRole('button', { name: 'Import as drafts' }).click();
    await panel
      .getByRole('list', { name: 'Dictionary problems' })
      .getByText('line 4, Field Type: unknown field type nonsense')
      .waitFor();
    await shot(page, 'dictionary-refused');
    expect(await page.getByRole('link', { name: /PHQ/ }).count()).toBe(0);
    await panel
      .getByLabel(/Form JSON, REDCap/)
      .setInputFiles({ name: 'phq9.csv', mimeType: 'text/csv', buffer: Buffer.from(phq9) });
    await panel.getByRole('button', { name: 'Import as drafts' }).click();
    await panel
      .getByRole('status')
      .getByText(/Imported \(csv\)/)
      .waitFor();
    await page.getByRole('link', { name: /PHQ/ }).first().waitFor();
    await shot(page, 'dictionary-imported');
    await page.close();
  }, 180_000);
});
