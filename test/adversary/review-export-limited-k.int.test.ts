// Review r16 (issue #16), finding F5: a limited data set releases full dates, but its k-anonymity check counted them
// by year: RAND_DATE (60 distinct days) was reported as one class, k = 60, so the threshold the study
// set never bit on the dates that actually leave. Fixed: a limited data set counts dates by day.
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
    const admin = await demo.signIn('study_admin');
    const r = await admin.call('PUT', `/api/v1/studies/${STUDY}/export-recipients`, {
      name: 'Registry',
      duaReference: 'DUA-7',
      duaExpiresOn: '2099-12-31',
    });
    expect(r.status).toBe(200);
    stat = await demo.signIn('statistician');
  }, 180_000);
  afterAll(async () => demo?.stop());

  describe('review F5: k of a limited data set', () => {
    it('review F5: counts the full dates it releases', async () => {
      const body = {
        profile: 'limited',
        recipient: 'Registry',
        purpose: 'registry linkage',
        forms: ['RAND'],
      };
      const { answer } = await exportAndDownload(stat, body);
      // With that many distinct days the k of the dates that leave is below the study's threshold.
      expect(answer.status).toBe(422);
      expect(answer.json.error.code).toBe('EXPORT_REFUSED');
      const risk = answer.json.error.details.risk;
      expect(risk.classes).toBeGreaterThan(10);
      expect(risk.k).toBeLessThan(risk.participants);
    });
  });
});
