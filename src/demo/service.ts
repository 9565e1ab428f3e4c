import type { Authorizer } from '../authz/authorizer.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { FormService } from '../forms/service.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import type { ParticipantService } from '../participants/service.js';
import type { RecordService } from '../records/service.js';
import { transact } from '../storage/transact.js';
import type { StudyService } from '../studies/service.js';
import type { VaultDeps } from '../vault/deps.js';
import { DEMO_FORMS } from './demo-forms.js';
import { DemoRandom, syntheticPerson } from './synthetic.js';

export const DEMO_PROTOCOL = 'TV-DEMO-001';
export const DEMO_SITES = [
  { code: 'S01', name: 'Northfield General Hospital (demo)' },
  { code: 'S02', name: 'Riverside Clinic (demo)' },
  { code: 'S03', name: 'Lakeside Research Centre (demo)' },
] as const;
const PARTICIPANTS_PER_SITE = 20;
const AE_TERMS = ['Headache', 'Nausea', 'Fatigue', 'Dizziness', 'Rash', 'Insomnia', 'Back pain', 'Cough'];

export interface DemoReport {
  readonly studyId: string;
  readonly protocolId: string;
  readonly participants: number;
  readonly records: number;
  readonly seed: number;
}

function isoDate(base: number, days: number): string {
  return new Date(base + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A realistic synthetic study, deterministic from the seed: 3 sites, 60 participants, demographics with
 * PHI, randomization, vitals, labs, adverse events and payments, some corrections and locked records.
 * The study is flagged as demo data everywhere it is shown.
 */
export class DemoService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly authorizer: Authorizer,
    private readonly studies: StudyService,
    private readonly forms: FormService,
    private readonly participants: ParticipantService,
    private readonly records: RecordService,
  ) {}

  async seed(actor: Actor, seed = 1): Promise<Result<DemoReport>> {
    // Only the operator seeds the demo: no role holds demo.seed; the refusal is audited (21 CFR 11.10(d)).
    const allowed = await this.authorizer.authorize(actor, 'demo.seed');
    if (!allowed.ok) return allowed;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      return err(appError('VALIDATION_FAILED', 'The seed must be a non-negative integer.'));
    }
    if ((await this.studies.getStudy(actor, DEMO_PROTOCOL)).ok) {
      return err(appError('ALREADY_EXISTS', 'The demo study exists already.'));
    }
    const study = await this.studies.createStudy(actor, {
      protocolId: DEMO_PROTOCOL,
      title: 'DEMO DATA - Synthetic hypertension trial (not real persons)',
      isDemo: true,
    });
    if (!study.ok) return study;
    for (const site of DEMO_SITES) {
      const added = await this.studies.addSite(actor, study.value.id, site);
      if (!added.ok) return added;
    }
    for (const form of DEMO_FORMS) {
      const defined = await this.forms.defineForm(actor, study.value.id, form);
      if (!defined.ok) return defined;
      const published = await this.forms.publish(actor, study.value.id, form.oid);
      if (!published.ok) return published;
    }
    const statusResult = await this.studies.setStatus(actor, study.value.id, 'live');
    if (!statusResult.ok) return statusResult;

    const random = new DemoRandom(seed);
    const base = Date.UTC(2026, 0, 5);
    // Built through the services the API calls, as a study team would (issue #15): each enrolment
    // and each participant's first entries are their own transactions and audit events.
    let participantCount = 0;
    let recordCount = 0;
    for (const [siteIndex, site] of DEMO_SITES.entries()) {
      for (let n = 0; n < PARTICIPANTS_PER_SITE; n++) {
        const index = siteIndex * PARTICIPANTS_PER_SITE + n;
        const person = syntheticPerson(random, index);
        const day = random.int(0, 200);
        const p = await this.participants.enroll(actor, study.value.id, {
          site: site.code,
          status: random.next() < 0.1 ? 'withdrawn' : 'enrolled',
          consentDate: isoDate(base, day),
        });
        if (!p.ok) return p;
        participantCount++;
        const entries: [string, string, Record<string, unknown>][] = [
          [
            'DEMOG',
            'SCREENING',
            {
              FULL_NAME: person.fullName,
              MRN: person.mrn,
              EMAIL: person.email,
              PHONE: person.phone,
              ADDRESS: person.address,
              BIRTH_DATE: person.birthDate,
              ZIP: person.zip,
              SEX: person.sex,
            },
          ],
          [
            'RAND',
            'BASELINE',
            {
              ARM: random.next() < 0.5 ? 'A' : 'P',
              KIT: `K${String(10000 + index * 7).padStart(5, '0')}`,
              RAND_DATE: isoDate(base, day + 7),
            },
          ],
          [
            'LABS',
            'SCREENING',
            {
              HGB: Math.round(random.normal(13.8, 1.2) * 10) / 10,
              ALT: Math.max(5, Math.round(random.normal(28, 9))),
              CREAT: Math.round(random.normal(0.95, 0.18) * 100) / 100,
              GLUC: Math.round(random.normal(98, 14)),
              COLLECTED: isoDate(base, day + 1),
            },
          ],
          [
            'PAYMENT',
            'P1',
            {
              IBAN: person.iban,
              ACCOUNT_HOLDER: person.fullName,
              AMOUNT: 50,
              PAID_ON: isoDate(base, day + 8),
            },
          ],
        ];
        const visits = random.int(1, 3);
        for (const [v, visit] of ['BASELINE', 'WEEK4', 'WEEK8'].slice(0, visits).entries()) {
          const sys = Math.round(random.normal(152 - v * 6, 11));
          entries.push([
            'VITALS',
            visit,
            {
              SYSBP: sys,
              DIABP: Math.round(sys * 0.62),
              HR: Math.round(random.normal(74, 9)),
              TEMP: Math.round(random.normal(36.8, 0.3) * 10) / 10,
              WEIGHT: Math.round(random.normal(82, 14) * 10) / 10,
            },
          ]);
        }
        for (let ae = 1; ae <= random.int(0, 2); ae++) {
          // Drawn in the order they always were, so the demo data stay as they were.
          const term = random.pick(AE_TERMS);
          const onset = isoDate(base, day + 10 + random.int(0, 60));
          const severity = String(random.int(1, 3));
          const serious = random.next() < 0.05;
          const related = random.next() < 0.3;
          // The multichoice answer follows from the others (no extra draw).
          const action = [
            ...(severity === '1' ? [] : ['TREATED']),
            ...(severity === '3' ? ['INTERRUPTED'] : []),
            ...(serious ? ['HOSPITALISED'] : []),
          ];
          entries.push([
            'AE',
            `AE-${ae}`,
            {
              TERM: term,
              ONSET: onset,
              SEVERITY: severity,
              SERIOUS: serious,
              RELATED: related,
              ...(action.length > 0 ? { ACTION: action } : {}),
            },
          ]);
        }
        // A few corrections, so that histories show old -> new with a reason (drawn as entered).
        const corrections = new Map<number, number>();
        for (const [i, [oid]] of entries.entries()) {
          if (oid === 'VITALS' && random.next() < 0.15) corrections.set(i, Math.round(random.normal(70, 5)));
        }
        const created = await this.records.createMany(
          actor,
          entries.map(([form, visit, values]) => ({ participantId: p.value.id, form, visit, values })),
        );
        if (!created.ok) return created;
        recordCount += created.value.length;
        for (const [i, hr] of corrections) {
          const record = created.value[i];
          if (record === undefined) continue;
          const fixed = await this.records.update(actor, record.id, {
            changes: { HR: hr },
            reason: 'Transcription error corrected against source',
          });
          if (!fixed.ok && fixed.error.details?.unchanged !== true) return fixed;
        }
      }
    }
    return transact(this.deps.db, async (trx) => {
      await appendAuditEvent(trx, this.deps, {
        actor,
        action: 'demo.seed',
        studyId: study.value.id,
        target: DEMO_PROTOCOL,
        details: { seed, participants: participantCount, records: recordCount },
      });
      return ok({
        studyId: study.value.id,
        protocolId: DEMO_PROTOCOL,
        participants: participantCount,
        records: recordCount,
        seed,
      });
    });
  }
}
