// Review r16, finding 6: a limited data set releases full dates, but its k-anonymity check counts them
// by year: RAND_DATE (60 distinct days) is reported as one class, k = 60, so the threshold the study set
// never bites on the dates that actually leave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, exportAndDownload, type Session, STUDY, startDemo } from './demo-server.js';

let demo: Demo;
let stat: Session;
beforeAll(async () => {
  demo = await startDemo();
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

describe('review r16: k of a limited data set', () => {
  it('counts the full dates it releases', async () => {
    const { answer, files } = await exportAndDownload(stat, {
      profile: 'limited',
      recipient: 'Registry',
      purpose: 'registry linkage',
      forms: ['RAND'],
    });
    expect(answer.status).toBe(201);
    const wide = [...files.entries()].find(([n]) => n.endsWith('-wide.csv'))?.[1] ?? '';
    const days = new Set(wide.match(/\d{4}-\d{2}-\d{2}/g));
    expect(days.size).toBeGreaterThan(10); // full dates leave
    // The report must measure what leaves: with that many distinct days, k cannot be the whole study.
    expect(answer.json.risk.classes).toBeGreaterThan(1);
    expect(answer.json.risk.k).toBeLessThan(answer.json.risk.participants);
  });
});
