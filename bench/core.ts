import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { initVault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { DEMO_FORMS } from '../src/demo/demo-forms.js';
import { DemoRandom, syntheticPerson } from '../src/demo/synthetic.js';
import type { Dialect } from '../src/storage/dialect.js';
import type { Database } from '../src/storage/schema.js';
import { benchDialects, benchPlace } from './places.js';

interface BareTable {
  id: string;
  participant_id: string;
  form: string;
  visit: string;
  payload: string;
  created_at: string;
}
type BenchDatabase = Database & { bench_bare: BareTable };

const PARTICIPANTS = 200;
const SINGLE = { sqlite: 400, postgres: 400 } as const;
const BATCHED = { sqlite: 10_000, postgres: 6_000 } as const;
const BATCH = 100;

interface Measure {
  readonly records: number;
  readonly seconds: number;
  readonly perSecond: number;
}

async function timed(records: number, work: () => Promise<void>): Promise<Measure> {
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  return { records, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(records / seconds) };
}

/**
 * The protected write path (validate + seal every protected field + version + lookup tokens + audit
 * event + commit) against a bare plaintext Kysely insert of the same values into one table of the
 * same store, one transaction per record and batched (100 records per transaction).
 */
async function benchDialect(dialect: Dialect, formOid: 'DEMOG' | 'VITALS') {
  const place = await benchPlace(dialect);
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  try {
    const study = expectOk(
      await vault.studies.createStudy(CLI_ACTOR, { protocolId: 'BENCH', title: 'Benchmark' }),
    );
    expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'Bench site' }));
    const definition = DEMO_FORMS.find((f) => f.oid === formOid);
    if (definition === undefined) throw new Error(`${formOid} form missing`);
    expectOk(await vault.forms.defineForm(CLI_ACTOR, study.id, definition));
    expectOk(await vault.forms.publish(CLI_ACTOR, study.id, formOid));
    const participants: string[] = [];
    for (let i = 0; i < PARTICIPANTS; i++) {
      participants.push(expectOk(await vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' })).id);
    }
    const random = new DemoRandom(42);
    const people = Array.from({ length: 50 }, (_, i) => syntheticPerson(random, i));
    const valuesFor = (i: number): Record<string, unknown> => {
      const p = people[i % people.length];
      if (p === undefined) throw new Error('no person');
      if (formOid === 'VITALS') {
        return {
          SYSBP: 110 + (i % 60),
          DIABP: 70 + (i % 30),
          HR: 60 + (i % 40),
          TEMP: 36.6,
          WEIGHT: 70 + (i % 30),
        };
      }
      return {
        FULL_NAME: p.fullName,
        MRN: p.mrn,
        EMAIL: p.email,
        PHONE: p.phone,
        ADDRESS: p.address,
        BIRTH_DATE: p.birthDate,
        ZIP: p.zip,
        SEX: p.sex,
      };
    };
    const input = (prefix: string, i: number) => ({
      participantId: participants[i % PARTICIPANTS] ?? '',
      form: formOid,
      visit: `${prefix}${i}`,
      values: valuesFor(i),
    });
    const db = vault.store.db as unknown as Kysely<BenchDatabase>;
    await sql`create table bench_bare (id text primary key, participant_id text not null, form text not null, visit text not null, payload text not null, created_at text not null)`.execute(
      db,
    );
    let bareId = 0;
    const bareRow = (prefix: string, i: number) => {
      const item = input(prefix, i);
      return {
        id: `b${bareId++}`,
        participant_id: item.participantId,
        form: item.form,
        visit: item.visit,
        payload: JSON.stringify(item.values),
        created_at: new Date().toISOString(),
      };
    };

    // Warm-up of both paths (JIT, statement caches), not measured.
    for (let i = 0; i < 20; i++) {
      expectOk(await vault.records.create(CLI_ACTOR, input('W', i)));
      await db.insertInto('bench_bare').values(bareRow('W', i)).execute();
    }

    const single = SINGLE[dialect];
    const bareSingle = await timed(single, async () => {
      for (let i = 0; i < single; i++) await db.insertInto('bench_bare').values(bareRow('S', i)).execute();
    });
    const protectedSingle = await timed(single, async () => {
      for (let i = 0; i < single; i++) expectOk(await vault.records.create(CLI_ACTOR, input('S', i)));
    });

    const batched = BATCHED[dialect];
    const bareBatched = await timed(batched, async () => {
      for (let b = 0; b < batched; b += BATCH) {
        await db.transaction().execute(async (trx) => {
          for (let i = b; i < b + BATCH; i++)
            await trx.insertInto('bench_bare').values(bareRow('B', i)).execute();
        });
      }
    });
    const protectedBatched = await timed(batched, async () => {
      for (let b = 0; b < batched; b += BATCH) {
        const items = Array.from({ length: BATCH }, (_, k) => input('B', b + k));
        expectOk(await vault.records.createMany(CLI_ACTOR, items));
      }
    });
    const ratio = (p: Measure, b: Measure) => Number((p.perSecond / b.perSecond).toFixed(3));
    return [
      {
        dialect,
        form: formOid,
        mode: 'one transaction per record',
        protected: protectedSingle,
        bare: bareSingle,
        ratio: ratio(protectedSingle, bareSingle),
      },
      {
        dialect,
        form: formOid,
        mode: `batched (${BATCH} records per transaction)`,
        protected: protectedBatched,
        bare: bareBatched,
        ratio: ratio(protectedBatched, bareBatched),
      },
    ];
  } finally {
    await vault.close();
    await place.cleanup();
  }
}

export async function benchCore() {
  const { dialects, skipped } = await benchDialects();
  const results = [];
  for (const dialect of dialects) {
    for (const form of ['DEMOG', 'VITALS'] as const) results.push(...(await benchDialect(dialect, form)));
  }
  return {
    bench: 'core',
    description:
      'records/s through the protected path (validate, seal 7 protected fields, version, lookup tokens, audit event, commit) vs a bare plaintext Kysely insert of the same values, same store, same run',
    forms: {
      DEMOG: 'identifiers: 7 sealed fields, 1 clinical, 3 blind-index tokens per record',
      VITALS: 'clinical: 5 clear fields (validation, version, audit event; no sealing)',
    },
    target: { ratio: 0.5 },
    results,
    skipped,
  };
}
