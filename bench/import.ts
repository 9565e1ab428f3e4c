import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initVault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { DEMO_FORMS } from '../src/demo/demo-forms.js';
import { DemoRandom, syntheticPerson } from '../src/demo/synthetic.js';
import type { Dialect } from '../src/storage/dialect.js';
import { benchDialects, benchPlace } from './places.js';

const PARTICIPANTS = Number(process.env.TRIALVAULT_BENCH_IMPORT_PARTICIPANTS ?? 10_000);
const VISITS = 9; // + 1 demographics record per participant = 10 records each

/** Writes the CSV in a stream: the file itself is never held in memory either. */
export async function writeCsv(path: string, participants = PARTICIPANTS): Promise<number> {
  const out = createWriteStream(path);
  const write = (line: string) =>
    new Promise<void>((resolve) => (out.write(`${line}\n`) ? resolve() : out.once('drain', () => resolve())));
  await write('subject_id,site,consent_date,form,visit,FULL_NAME,MRN,EMAIL,BIRTH_DATE,SEX,SYSBP,DIABP,HR');
  const random = new DemoRandom(7);
  let records = 0;
  for (let i = 0; i < participants; i++) {
    const p = syntheticPerson(random, i);
    const subject = `IMP-${String(i).padStart(6, '0')}`;
    await write(
      `${subject},S01,2026-01-05,DEMOG,SCREENING,${p.fullName},${p.mrn},${p.email},${p.birthDate},${p.sex},,,`,
    );
    records++;
    for (let v = 0; v < VISITS; v++) {
      // Diastolic below systolic: the VITALS form checks it (DIABP_BELOW_SYSBP).
      const sys = random.int(100, 170);
      const dia = Math.min(random.int(60, 100), sys - 1);
      await write(`${subject},,,VITALS,V${v},,,,,,${sys},${dia},${random.int(50, 110)}`);
      records++;
    }
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return records;
}

async function benchDialect(dialect: Dialect) {
  const place = await benchPlace(dialect);
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  try {
    const study = expectOk(
      await vault.studies.createStudy(CLI_ACTOR, { protocolId: 'IMPORT', title: 'Import bench' }),
    );
    expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'Bench site' }));
    for (const form of DEMO_FORMS.filter((f) => f.oid === 'DEMOG' || f.oid === 'VITALS')) {
      expectOk(await vault.forms.defineForm(CLI_ACTOR, study.id, form));
      expectOk(await vault.forms.publish(CLI_ACTOR, study.id, form.oid));
    }
    const file = join(place.dir, 'import.csv');
    const records = await writeCsv(file);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 100);
    const start = performance.now();
    const report = expectOk(await vault.imports.importFile(CLI_ACTOR, study.id, file, 'Import benchmark'));
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    return {
      dialect,
      records,
      participants: report.participantsCreated,
      recordsCreated: report.recordsCreated,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      rssGrowthMiB: Math.round((peakRss - rssBefore) / 2 ** 20),
      peakHeapMiB: Math.round(peakHeap / 2 ** 20),
    };
  } finally {
    await vault.close();
    await place.cleanup();
  }
}

/** Bulk import of 100,000 records (validate pass + one all-or-nothing transaction), with memory use. */
export async function benchImport() {
  const { dialects, skipped } = await benchDialects();
  const results = [];
  for (const dialect of dialects) results.push(await benchDialect(dialect));
  return {
    bench: 'import',
    description: `CSV import of ${PARTICIPANTS} participants x ${VISITS + 1} records, validated then committed in one transaction`,
    results,
    skipped,
  };
}
