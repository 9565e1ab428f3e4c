import { performance } from 'node:perf_hooks';
import { findPhi } from '../src/export/free-text-scrubber.js';
import { corpus, score, type Template } from './deid-corpus.js';

/**
 * `npm run bench -- deid`: recall and precision of the free-text scrubber on a HELD-OUT synthetic
 * corpus (issue 16). These templates and this seed were written once and never used while the
 * scrubber was developed (its development corpus is in src/export/free-text-scrubber.corpus.test.ts,
 * seed 1, other templates). At least 1,000 mentions of each PHI kind.
 */
const HELD_OUT_SEED = 7_340_113;
const MENTIONS = Number(process.env.TRIALVAULT_BENCH_DEID_MENTIONS ?? 1000);

const HELD_OUT: readonly Template[] = [
  (g) => [
    'Ms. ',
    ['NAME', g.last()],
    ' is a pleasant 67 year old woman followed in clinic since ',
    ['DATE', g.date()],
    '.',
  ],
  (g) => [['NAME', g.full()], ' was admitted to the floor on ', ['DATE', g.date()], ' after a fall at home.'],
  (g) => [
    'Her son ',
    ['NAME', g.first()],
    ' can be reached at ',
    ['PHONE', g.phone()],
    '; alternate number ',
    ['PHONE', g.phone()],
    '.',
  ],
  (g) => ["Patient's husband, ", ['NAME', g.full()], ', is the health care proxy.'],
  (g) => ['Chart reviewed with Dr. ', ['NAME', g.full()], ' and Dr. ', ['NAME', g.last()], '.'],
  (g) => ['Identifiers checked: MR # ', ['MRN', g.mrn()], ', name and date of birth.'],
  (g) => ['Discharged home to ', ['ADDRESS', g.address()], ' with home health services.'],
  (g) => ['Sent the visit summary to ', ['EMAIL', g.email()], " at the family's request."],
  (g) => ['Last seen ', ['DATE', g.date()], '; prior visit ', ['DATE', g.date()], '.'],
  (g) => ['Dictated by ', ['NAME', g.full()], ', RN.'],
  (g) => [
    'Daughter ',
    ['NAME', g.full()],
    ' (',
    ['EMAIL', g.email()],
    ') asked for a callback at ',
    ['PHONE', g.phone()],
    '.',
  ],
  (g) => ['Transferred from an outside hospital (outside MRN ', ['MRN', g.mrn()], ').'],
  (g) => ['Correspondence address: ', ['ADDRESS', g.address()], '.'],
  (g) => ['DOB ', ['DATE', g.date()], ', medical record ', ['MRN', g.mrn()], '.'],
  (g) => ['EMS picked the patient up at ', ['ADDRESS', g.address()], ' on ', ['DATE', g.date()], '.'],
  (g) => ['Mr. ', ['NAME', g.last()], ' and his wife ', ['NAME', g.first()], ' were counseled on the risks.'],
  (g) => ['Next appointment scheduled for ', ['DATE', g.date()], ' with ', ['NAME', g.full()], '.'],
  (g) => ['Surgery performed ', ['DATE', g.date()], ' by ', ['NAME', g.full()], ', MD.'],
  (g) => ['Pharmacy called from ', ['PHONE', g.phone()], ' regarding the refill.'],
  (g) => ['Lab results e-mailed to ', ['EMAIL', g.email()], ' on ', ['DATE', g.date()], '.'],
  (g) => {
    const [first, last] = [g.first(), g.last()];
    return ['Met with ', ['NAME', `${first} ${last}`], ' today. ', ['NAME', last], ' denies tobacco use.'];
  },
  (g) => ['Emergency contact: ', ['NAME', g.full()], ', ', ['PHONE', g.phone()], '.'],
  (g) => ['Interpreter ', ['NAME', g.first()], ' assisted with the visit.'],
  (g) => ['Medical record number ', ['MRN', g.mrn()], ' verified at registration.'],
  (g) => ['Old records requested from ', ['ADDRESS', g.address()], ', fax ', ['PHONE', g.phone()], '.'],
  (g) => ['Portal message from ', ['EMAIL', g.email()], ' reviewed.'],
  // PHI-free sentences with capitalised medical words and eponyms that must be kept.
  () => ['Known history of Alzheimer dementia and Crohn disease, stable on the current regimen.'],
  () => ['Foley removed on postoperative day 2; voiding spontaneously.'],
  () => ['Apgar 7 and 9; Ballard exam consistent with 38 weeks.'],
  () => ['Positive Tinel and Phalen signs at the right wrist.'],
  () => ['Murphy sign negative, McBurney point nontender.'],
  () => ['Started Eliquis 5 mg twice daily; Coumadin discontinued.'],
  () => ['Cushing syndrome work-up pending; Addison disease excluded.'],
  () => ['Mini Mental State Examination score 26 of 30.'],
  () => ['Parkinson tremor worse in the evenings per caregiver.'],
  () => ['Swan Ganz readings reviewed with the ICU team.'],
  () => ['The Whipple procedure was uncomplicated.'],
  () => ['Barrett esophagus on surveillance endoscopy every 3 years.'],
  () => ['Echo shows EF 55%; Doppler of both legs negative for DVT.'],
  () => ['Tanner stage 4; Snellen 20/20 both eyes.'],
  () => ['Hemoglobin A1c 7.2 in 2023, down from 8.1.'],
  () => ['Nissen fundoplication in 2015 for reflux.'],
  () => ['Lyme titers negative; Epstein Barr serology pending.'],
  () => ['Down syndrome with moderate intellectual disability.'],
  () => ['Cardiology recommends Holter monitoring for 48 hours.'],
  () => ['Graves disease treated with radioactive iodine in 2010.'],
];

// Inputs that make careless patterns scan quadratically (ReDoS): each about 100 KB.
const ADVERSARIAL: Record<string, string> = {
  dots: '1.'.repeat(50_000),
  capitals: 'Aaaa '.repeat(20_000),
  names: 'Dr. John Smith and Mary Jones called. '.repeat(2_700),
  streets: '12 Oak Oak Oak Oak Oak '.repeat(4_400),
  commas: 'Smith, '.repeat(14_000),
  at: 'a@'.repeat(50_000),
};

function adversarialMs(): Record<string, number> {
  const ms: Record<string, number> = {};
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    const start = performance.now();
    findPhi(text);
    ms[name] = Math.round(performance.now() - start);
  }
  return ms;
}

export async function benchDeid() {
  const notes = corpus(HELD_OUT_SEED, HELD_OUT, MENTIONS);
  const characters = notes.reduce((n, note) => n + note.text.length, 0);
  const start = performance.now();
  for (const note of notes) findPhi(note.text);
  const seconds = (performance.now() - start) / 1000;
  const result = score(notes, findPhi);
  return {
    bench: 'deid',
    corpus: { seed: HELD_OUT_SEED, templates: HELD_OUT.length, notes: notes.length, characters },
    targets: { recall: 0.99, precision: 0.9 },
    overall: result.overall,
    byKind: result.byKind,
    notesPerSecond: Math.round(notes.length / seconds),
    adversarial100kbMs: adversarialMs(),
    // A sample of what was missed or over-scrubbed, so a reader can judge the errors.
    misses: result.misses.slice(0, 20),
    falsePositives: result.falsePositives.slice(0, 20),
  };
}
