import { describe, expect, it } from 'vitest';
import { DbaStore } from '../support/dba.js';
import { DIALECTS } from '../support/stores.js';

/**
 * Review s13 (H5, fixed: `checkedStudy`, studies/known.ts): exports read the study row without its MAC (`export/service.ts` `#study`:
 * `studies.findStudy`, not `knownStudy`). A title, protocol id or demo flag changed in SQL under the
 * running server is written into the exported ODM file as if sealed; no ROW_TAMPERED, no alert.
 * Now: the export is refused with ROW_TAMPERED naming `studies` (as every other read of the row).
 */
for (const dialect of DIALECTS) {
  describe(`issue #17 / review s13: an export carries a study row forged in SQL (${dialect})`, () => {
    it('the forged title and demo flag never reach an exported file', async () =>
      DbaStore.with(dialect, async (s) => {
        const dm = await s.person('data_manager');
        await s.participant('S01');
        const browser = await s.browser(dm);
        await s.sql(async (db) => {
          await db.run("update studies set title = 'FORGED TITLE', is_demo = 1 where id = ?", s.study.id);
        });
        const made = await s.call(browser, 'POST', `/api/v1/studies/${s.study.id}/exports`, {
          profile: 'deidentified',
          format: 'odm',
          forms: ['RAND'],
          suppress: ['RAND_DATE'],
        });
        let text = '';
        if (made.status === 201) {
          const { exportId: id, files } = made.body as { exportId: string; files: { name: string }[] };
          for (const f of files) {
            const got = await s.app.inject({
              method: 'GET',
              url: `/api/v1/exports/${id}/files/${f.name}`,
              headers: browser.headers,
            });
            text += got.body;
          }
        }
        // Refused (ROW_TAMPERED): no export, no file with the forged title.
        expect({ status: made.status, forged: text.includes('FORGED TITLE') }).toEqual({
          status: 500,
          forged: false,
        });
        expect(made.body?.error?.code).toBe('ROW_TAMPERED');
      }));
  });
}
