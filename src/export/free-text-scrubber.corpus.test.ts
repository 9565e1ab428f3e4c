import { describe, expect, it } from 'vitest';
import { corpus, score, type Template } from '../../bench/deid-corpus.js';
import { findPhi } from './free-text-scrubber.js';

/**
 * The DEVELOPMENT corpus (seed 1, these templates): what the scrubber was tuned on. The held-out
 * corpus (its own seed and templates) is only in bench/deid.ts, so its figures are not tuned on.
 */
const DEV_SEED = 1;

const DEV_TEMPLATES: readonly Template[] = [
  (g) => ['Pt ', ['NAME', g.full()], ' seen on ', ['DATE', g.date()], ' for follow-up.'],
  (g) => ['Contact wife ', ['NAME', g.first()], ' at ', ['PHONE', g.phone()], '.'],
  (g) => ['MRN ', ['MRN', g.mrn()], '.'],
  (g) => ['Patient lives at ', ['ADDRESS', g.address()], '.'],
  (g) => ['E-mail on file: ', ['EMAIL', g.email()], '.'],
  (g) => {
    const last = g.last();
    return ['Seen by Dr. ', ['NAME', last], ' today; Dr. ', ['NAME', last], ' agrees with the plan.'];
  },
  (g) => [['NAME', g.full()], ' presented with chest pain on ', ['DATE', g.date()], '.'],
  (g) => ['Discussed with daughter, ', ['NAME', g.first()], ', by phone ', ['PHONE', g.phone()], '.'],
  (g) => ['Medical record number: ', ['MRN', g.mrn()], ', admitted ', ['DATE', g.date()], '.'],
  (g) => ['Mailing address ', ['ADDRESS', g.address()], '; phone ', ['PHONE', g.phone()], '.'],
  () => ['History of Parkinson disease; Foley catheter placed.'],
  () => ['Apgar scores 8 and 9. Babinski sign negative. No Homan sign.'],
  () => ['Continue Lasix 40 mg daily and Lipitor at night per Cardiology.'],
  () => ['BP 120/80, HR 72, temp 37.1. Follow up in 2 weeks at Memorial Hospital.'],
  (g) => ['Mrs. ', ['NAME', g.last()], ' reports improvement since ', ['DATE', g.date()], '.'],
  (g) => ['Spoke with ', ['NAME', g.full()], ' (son) at ', ['EMAIL', g.email()], '.'],
  (g) => ['Electronically signed by ', ['NAME', g.full()], ', MD on ', ['DATE', g.date()], '.'],
  (g) => ['Referred by ', ['NAME', g.full()], ', MRN: ', ['MRN', g.mrn()], '.'],
  () => ['Guillain Barre syndrome ruled out; Glasgow Coma Scale 15.'],
  (g) => ['Next visit ', ['DATE', g.date()], ' at ', ['ADDRESS', g.address()], '.'],
  (g) => {
    const [first, last] = [g.first(), g.last()];
    return [
      ['NAME', `${last}, ${first}`],
      ' is a 54 yo male. ',
      ['NAME', last],
      ' tolerated the procedure well.',
    ];
  },
  (g) => ['Family present: ', ['NAME', g.full()], ' and ', ['NAME', g.full()], '.'],
  () => ['Jackson Pratt drain in place; Mallory Weiss tear on EGD; Epstein Barr virus IgG positive.'],
  () => ['Braden Scale 14. Karnofsky Performance Status 70. Beck Depression Inventory 12. Wells score 2.'],
  () => ['Reed Sternberg cells seen; Hodgkin lymphoma confirmed. Bell palsy resolved. Down syndrome.'],
  (g) => [
    'Labs drawn ',
    ['DATE', g.date()],
    '; results called to ',
    ['NAME', g.first()],
    ' at ',
    ['PHONE', g.phone()],
    '.',
  ],
  (g) => ['Per ', ['NAME', g.full()], ' (', ['EMAIL', g.email()], '), chart ', ['MRN', g.mrn()], ' updated.'],
  (g) => ['Home: ', ['ADDRESS', g.address()], '. Cell: ', ['PHONE', g.phone()], '.'],
  () => ['Tylenol 650 mg PRN. Zofran for nausea. Coumadin held for INR 3.4.'],
  (g) => ['Accompanied by her husband ', ['NAME', g.first()], ' and niece ', ['NAME', g.full()], '.'],
];

describe('free-text scrubber on the development corpus', () => {
  it('finds >= 99% of each PHI kind with >= 90% precision (HIPAA 164.514(b)(2)(i))', () => {
    const result = score(corpus(DEV_SEED, DEV_TEMPLATES, 300), findPhi);
    const failures = JSON.stringify({
      misses: result.misses.slice(0, 10),
      falsePositives: result.falsePositives.slice(0, 10),
    });
    for (const [kind, s] of Object.entries(result.byKind)) {
      expect(s.mentions, kind).toBeGreaterThanOrEqual(300);
      expect(s.recall, `${kind} recall ${failures}`).toBeGreaterThanOrEqual(0.99);
      expect(s.precision, `${kind} precision ${failures}`).toBeGreaterThanOrEqual(0.9);
    }
  });
});
