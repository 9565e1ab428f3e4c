// Review r16 (issue #16), finding F2: a visit (event) named by its date leaves every de-identified format verbatim:
// CSV EVENT column, ODM StudyEventOID/StudyEventDef Name, FHIR resource ids and identifiers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Demo,
  DIALECTS,
  exportAndDownload,
  firstParticipant,
  type Session,
  startDemo,
  writeAe,
} from '../support/review-demo.js';

describe.each(DIALECTS)('%s', (dialect) => {
  let demo: Demo;
  let stat: Session;
  beforeAll(async () => {
    demo = await startDemo(dialect);
    const coordinator = await demo.signIn('coordinator');
    const pid = await firstParticipant(coordinator);
    // The visit pattern ([A-Za-z0-9][A-Za-z0-9 ._-]{0,63}) accepts a date: unscheduled visits are often so named.
    expect((await writeAe(coordinator, pid, '2024-03-14', 'Cough')).status).toBe(201);
    expect((await writeAe(coordinator, pid, 'UNSCHED 14.03.2024', 'Cough')).status).toBe(201);
    stat = await demo.signIn('statistician');
  }, 180_000);
  afterAll(async () => demo?.stop());

  describe('review F2: dates in event names', () => {
    for (const dates of ['year', 'shift'] as const) {
      for (const format of ['csv', 'odm', 'fhir'] as const) {
        it(`dates: ${dates}, ${format}: no full date in an event name`, async () => {
          const { answer, files } = await exportAndDownload(stat, {
            profile: 'deidentified',
            dates,
            format,
            forms: ['AE'],
            suppress: ['BIRTH_DATE', 'ZIP'],
          });
          expect(answer.status).toBe(201);
          const all = [...files.values()].join('\n');
          expect(all.match(/.{0,30}(2024-03-14|14\.03\.2024).{0,10}/g) ?? []).toEqual([]);
        });
      }
    }
  });
});
