// Review r16 (issue #16), finding F1: real dates in clinical free text survive the scrubber in de-identified
// exports (Safe Harbor `dates: year`, and `dates: shift`, where they also reveal the shift).
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

const LEAKS = [
  'Rash since 20240314', // ISO 8601 basic
  'Rash since 14Mar2024', // SAS DATE9, the statistician's own format
  'Rash 14MAR2024 resolved',
  'rash since march 14, 2024', // lower case
  'RASH SINCE 14 MARCH 2024', // upper case
  'Headache seen 3/14 follow up', // month/day without a preposition
  'Rash from 14/3 to 16/3',
  'Rash since １４/０３/２０２４', // full-width digits
  'Patient born 1931, rash', // a birth year that shows 90+
];
// Figures that are not dates: the scrubber must leave them (docs/export-formats.md: BP survives).
const KEPT = 'Pruritus BP 120/80 pain 7/10 strength 5/5 aged 67';
const DATE_TEXT = /20240314|14mar2024|march 14|14 march|3\/14|14\/3|１４|1931/i;

describe.each(DIALECTS)('%s', (dialect) => {
  let demo: Demo;
  let stat: Session;
  beforeAll(async () => {
    demo = await startDemo(dialect);
    const coordinator = await demo.signIn('coordinator');
    const pid = await firstParticipant(coordinator);
    let n = 10;
    for (const term of [...LEAKS, KEPT])
      expect((await writeAe(coordinator, pid, `AE-${n++}`, term)).status).toBe(201);
    stat = await demo.signIn('statistician');
  }, 180_000);
  afterAll(async () => demo?.stop());

  describe('review F1: dates in free text leave de-identified exports', () => {
    for (const dates of ['year', 'shift'] as const) {
      for (const format of ['csv', 'odm', 'fhir'] as const) {
        it(`dates: ${dates}, ${format}: no date-like text of a participant survives`, async () => {
          const { answer, files } = await exportAndDownload(stat, {
            profile: 'deidentified',
            dates,
            format,
            forms: ['AE'],
            suppress: ['BIRTH_DATE', 'ZIP'],
          });
          expect(answer.status).toBe(201);
          const leaked = [...files.values()].flatMap((text) =>
            text.split('\n').filter((line) => DATE_TEXT.test(line) && /rash|headache/i.test(line)),
          );
          expect(leaked).toEqual([]);
          // ...while blood pressures, scores and ages up to 89 leave verbatim.
          expect([...files.values()].join('\n')).toContain(KEPT);
        });
      }
    }
  });
});
