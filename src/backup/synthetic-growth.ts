import { statSync } from 'node:fs';
import { CLI_ACTOR } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import { DemoRandom, syntheticPerson } from '../demo/synthetic.js';
import type { ParticipantService } from '../participants/service.js';
import type { RecordService } from '../records/service.js';

const MB = 1024 * 1024;

/** The services growing a store uses; the composition root's Vault passes as itself. */
export interface GrowthVault {
  readonly participants: ParticipantService;
  readonly records: RecordService;
}

/**
 * Grows a SQLite store with synthetic records (made-up people; demographics and adverse events, half
 * protected values) until its file reaches `megabytes`: for drills and benchmarks at realistic size.
 * The study must have the DEMOG and AE forms (the demo study does).
 */
export async function growStore(
  vault: GrowthVault,
  studyId: string,
  site: string,
  file: string,
  megabytes: number,
  prefix: string,
): Promise<Result<number>> {
  const participants: string[] = [];
  for (let i = 0; i < 100; i++) {
    const enrolled = await vault.participants.enroll(CLI_ACTOR, studyId, { site });
    if (!enrolled.ok) return enrolled;
    participants.push(enrolled.value.id);
  }
  const random = new DemoRandom(prefix.length);
  const people = Array.from({ length: 64 }, (_, i) => syntheticPerson(random, i));
  let n = 0;
  while (statSync(file).size < megabytes * MB) {
    const batch = Array.from({ length: 200 }, (_, k) => {
      const p = people[(n + k) % people.length] ?? people[0];
      const i = n + k;
      return i % 2 === 0
        ? {
            participantId: participants[i % 100] ?? '',
            form: 'DEMOG',
            visit: `${prefix}${i}`,
            values: {
              FULL_NAME: p?.fullName,
              MRN: p?.mrn,
              EMAIL: p?.email,
              PHONE: p?.phone,
              ADDRESS: p?.address,
              BIRTH_DATE: p?.birthDate,
              ZIP: p?.zip,
              SEX: p?.sex,
            },
          }
        : {
            participantId: participants[i % 100] ?? '',
            form: 'AE',
            visit: `${prefix}${i}`,
            values: {
              TERM: `Adverse event narrative ${i} `.repeat(6).trim(),
              ONSET: '2026-03-04',
              SEVERITY: '2',
              SERIOUS: false,
            },
          };
    });
    const created = await vault.records.createMany(CLI_ACTOR, batch);
    if (!created.ok) return created;
    n += batch.length;
  }
  return ok(n);
}
