// Review r16 (issue #16), finding F6: ages over 89 are top-coded only when the field's OID has AGE as an
// underscore-delimited token (AGE, AGE_YRS, PT_AGE); an age field named AGEDEC (or AGEYRS, AGE2,
// PATIENTAGE), here a quasi-class decimal holding 94.5, leaves de-identified exports as 94.5 (Safe
// Harbor 164.514(b)(2)(i)(C): all ages over 89 aggregated into 90+). The form designer's naming, not
// the data class, decides. (Canaries also stand out here: their jittered 92.32, 96.78 among 94.5s.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Demo,
  DIALECTS,
  exportAndDownload,
  type Session,
  STUDY,
  startDemo,
} from '../support/review-demo.js';

describe.each(DIALECTS)('%s', (dialect) => {
  let demo: Demo;
  let stat: Session;
  beforeAll(async () => {
    demo = await startDemo(dialect);
    const dm = await demo.signIn('data_manager');
    const form = await dm.call('POST', `/api/v1/studies/${STUDY}/forms`, {
      oid: 'AGEF',
      name: 'Age',
      fields: [
        { oid: 'AGE', label: 'Age', type: 'integer', class: 'quasi' },
        { oid: 'AGEDEC', label: 'Age (decimal years)', type: 'decimal', class: 'quasi' },
      ],
    });
    expect(form.status).toBe(201);
    expect(
      (await dm.call('POST', `/api/v1/studies/${STUDY}/forms/AGEF/publish`, { reason: 'review r16' })).status,
    ).toBe(200);
    const pi = await demo.signIn('principal_investigator');
    const list = await pi.call('GET', `/api/v1/studies/${STUDY}/participants?limit=100`);
    // Every participant the same age, so the k check passes and only the top-coding is tested.
    for (const p of list.json.items as { id: string }[]) {
      const r = await pi.call('POST', '/api/v1/records', {
        participantId: p.id,
        form: 'AGEF',
        visit: 'AGEV',
        values: { AGE: 94, AGEDEC: 94.5 },
      });
      expect(r.status).toBe(201);
    }
    stat = await demo.signIn('statistician');
  }, 240_000);
  afterAll(async () => demo?.stop());

  describe('review F6: ages over 89', () => {
    for (const dates of ['year', 'shift'] as const) {
      it(`dates: ${dates}: no age above 89 leaves, decimal or integer`, async () => {
        const { answer, files } = await exportAndDownload(stat, {
          profile: 'deidentified',
          dates,
          forms: ['AGEF'],
        });
        expect(answer.status).toBe(201);
        const wide = [...files.entries()].find(([n]) => n.endsWith('-wide.csv'))?.[1] ?? '';
        const rows = wide.trim().split('\n').slice(1);
        expect(rows.length).toBeGreaterThan(0);
        const ages = new Set(rows.map((r) => r.split(',').slice(3).join(',')));
        expect([...ages]).toEqual(['90+,90+']);
      });
    }
  });
});
