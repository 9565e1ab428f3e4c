import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, userWithRole } from '../../test/support/access.js';
import { TestClock } from '../../test/support/clock.js';
import { readExportFile } from '../../test/support/exports.js';
import { codeAt } from '../../test/support/http-auth.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { type Actor, CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { DEMO_FORMS } from '../demo/demo-forms.js';
import { DEMO_PROTOCOL, DEMO_SITES } from '../demo/service.js';
import { datasetOf, type ExportRow } from './export-dataset.js';
import { exportSecret } from './keyed.js';
import { writeOdm } from './odm-clinical-data.js';
import { readOdm } from './odm-clinical-data-reader.js';
import { canaryKeys } from './odm-import.js';
import { exportSettings } from './settings.js';

const XSD = new URL('../../../shared/vectors/odm-1.3.2/ODM1-3-2.xsd', import.meta.url).pathname;
const ASK = { format: 'odm', recipient: 'Round trip', purpose: 'ODM round trip check' } as const;

/**
 * The comparison docs/export.md names: the export metadata (FileOID, CreationDateTime, the study's
 * protocol id and title) set to constants, the export's own canaries left out, subjects in key
 * order (the export promises no order); everything else is compared byte for byte.
 */
async function comparable(xml: string, canaries: ReadonlySet<string>): Promise<string> {
  const read = expectOk(readOdm(xml));
  const rows: ExportRow[] = [];
  for await (const row of read.rows()) if (!canaries.has(row.subject)) rows.push(row);
  rows.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  const dataset = datasetOf(
    { protocolId: 'STUDY', title: 'STUDY', isDemo: false },
    { ...read.info, exportId: 'EXPORT', createdAt: '2000-01-01T00:00:00.000Z' },
    read.forms,
    rows,
  );
  let out = '';
  await writeOdm(dataset, async (chunk) => {
    out += chunk;
  });
  return out;
}

for (const dialect of DIALECTS) {
  describe(`ODM ClinicalData round trip: export, import into an empty study, export again (${dialect})`, () => {
    let t: TestVault;
    let out: string;
    const clock = new TestClock();
    beforeAll(async () => {
      t = await freshVault(dialect, { clock });
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 7));
      out = mkdtempSync(join(tmpdir(), 'tv-odm-import-'));
    });
    afterAll(async () => {
      rmSync(out, { recursive: true, force: true });
      await t.cleanup();
    });

    /** A user with TOTP enrolled, signed in with both factors (re-authentication needs the session). */
    const signedIn = async (studyId: string, role: 'data_manager' | 'study_admin') => {
      const { email, user } = await userWithRole(t.vault, role, studyId);
      const signIn = expectOk(await t.vault.auth.login(email, TEST_PASSWORD));
      const { secret } = expectOk(await t.vault.factors.beginTotp(signIn.token, {}));
      const confirmed = expectOk(
        await t.vault.factors.confirmTotp(signIn.token, await codeAt(secret, clock)),
      );
      clock.advance(1);
      const actor: Actor = expectOk(await t.vault.auth.authenticate(confirmed.token ?? signIn.token));
      return { actor, secret, userId: user.id };
    };

    /** An identified ODM export under dual control: a data manager asks, the study admin approves. */
    const identifiedOdm = async (studyId: string, dir: string) => {
      // An unblinded recipient: a blinded export lacks the allocation a record of RAND requires.
      expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, studyId, { name: ASK.recipient, unblinded: true }),
      );
      const dm = await signedIn(studyId, 'data_manager');
      const admin = await signedIn(studyId, 'study_admin');
      const request = expectOk(
        await t.vault.exports.dualControl.request(dm.actor, studyId, {
          ...ASK,
          password: TEST_PASSWORD,
          totp: await codeAt(dm.secret, clock),
        }),
      );
      clock.advance(1);
      expectOk(
        await t.vault.exports.dualControl.approve(admin.actor, request.id, {
          password: TEST_PASSWORD,
          totp: await codeAt(admin.secret, clock),
        }),
      );
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(
          CLI_ACTOR,
          studyId,
          { profile: 'identified', ...ASK, request: request.id },
          dir,
        ),
      );
      const name = `${report.exportId}-odm.xml`;
      execFileSync('/usr/bin/xmllint', ['--noout', '--nonet', '--schema', XSD, join(dir, name)], {
        stdio: 'pipe',
      });
      return { report, xml: readExportFile(dir, name) };
    };

    const canariesOf = async (studyId: string, exportId: string, count: number, xml: string) => {
      const settings = expectOk(
        await exportSettings(t.vault.deps, CLI_ACTOR, studyId, clock.now().toISOString()),
      );
      return canaryKeys(
        expectOk(readOdm(xml)).rows(),
        exportSecret(settings.key, exportId),
        'identified',
        count,
      );
    };

    it('issue 16: the second export equals the first (metadata normalised, canaries left out); both validate', async () => {
      const demo = expectOk(await t.vault.studies.getStudy(CLI_ACTOR, DEMO_PROTOCOL));
      const first = await identifiedOdm(demo.id, join(out, 'first'));
      expect(first.report.canaries).toBeGreaterThan(0);
      // The demo's multichoice answers travel too (issue #15 item 2): codes joined by ",".
      expect(first.xml).toMatch(/<ItemData ItemOID="IT\.AE\.ACTION" Value="[A-Z_]+(,[A-Z_]+)*"\/>/);
      const firstCanaries = await canariesOf(
        demo.id,
        first.report.exportId,
        first.report.canaries,
        first.xml,
      );
      let realRows = 0;
      for await (const row of expectOk(readOdm(first.xml)).rows())
        if (!firstCanaries.has(row.subject)) realRows++;

      // An empty study with the same sites and forms.
      const target = expectOk(
        await t.vault.studies.createStudy(CLI_ACTOR, { protocolId: 'RT-TARGET', title: 'Round trip target' }),
      );
      for (const site of DEMO_SITES) expectOk(await t.vault.studies.addSite(CLI_ACTOR, target.id, site));
      for (const form of DEMO_FORMS) {
        expectOk(await t.vault.forms.defineForm(CLI_ACTOR, target.id, form));
        expectOk(await t.vault.forms.publish(CLI_ACTOR, target.id, form.oid));
      }
      expectOk(await t.vault.studies.setStatus(CLI_ACTOR, target.id, 'live'));

      const result = await t.vault.exports.importOdm(CLI_ACTOR, target.id, {
        xml: first.xml,
        reason: 'Round trip',
      });
      if (!result.ok) expect.fail(JSON.stringify(result.error.details?.problems).slice(0, 1500));
      const imported = expectOk(result);
      expect(imported.sourceExport).toBe(first.report.exportId);
      expect(imported.canariesRemoved).toBe(first.report.canaries);
      expect(imported.recordsCreated).toBe(realRows);

      const second = await identifiedOdm(target.id, join(out, 'second'));
      const secondCanaries = await canariesOf(
        target.id,
        second.report.exportId,
        second.report.canaries,
        second.xml,
      );
      expect(firstCanaries.size).toBe(first.report.canaries);
      expect(secondCanaries.size).toBe(second.report.canaries);
      const a = await comparable(first.xml, firstCanaries);
      const b = await comparable(second.xml, secondCanaries);
      expect(a.length).toBeGreaterThan(10_000);
      expect(b).toBe(a);
    });

    it('a file that is not an ODM export, or no reason, is a typed 400 and changes nothing', async () => {
      const target = expectOk(await t.vault.studies.getStudy(CLI_ACTOR, 'RT-TARGET'));
      const again = await t.vault.exports.importOdm(CLI_ACTOR, target.id, { xml: '<ODM/>', reason: 'x' });
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.error.code).toBe('IMPORT_REJECTED');
      const noReason = await t.vault.exports.importOdm(CLI_ACTOR, target.id, { xml: '<ODM/>' });
      expect(noReason.ok).toBe(false);
      if (!noReason.ok) expect(noReason.error.code).toBe('VALIDATION_FAILED');
    });
  });
}
