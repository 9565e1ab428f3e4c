import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initVault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { DEMO_FORMS } from '../src/demo/demo-forms.js';
import * as exportRepo from '../src/export/repo.js';
import type { Dialect } from '../src/storage/dialect.js';
import { writeCsv } from './import.js';
import { benchDialects, benchPlace } from './places.js';

const PARTICIPANTS = Number(process.env.TRIALVAULT_BENCH_EXPORT_PARTICIPANTS ?? 10_000);

/** Samples memory while `work` runs: peak RSS and heap, and RSS growth over the start. */
async function measured<T>(work: () => Promise<T>) {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const start = performance.now();
  const value = await work();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  return {
    value,
    seconds,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    rssGrowthMiB: Math.round((peakRss - rssBefore) / 2 ** 20),
    peakHeapMiB: Math.round(peakHeap / 2 ** 20),
  };
}

async function benchDialect(dialect: Dialect) {
  const place = await benchPlace(dialect);
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  try {
    const study = expectOk(
      await vault.studies.createStudy(CLI_ACTOR, { protocolId: 'EXPORT', title: 'Export bench' }),
    );
    expectOk(await vault.studies.addSite(CLI_ACTOR, study.id, { code: 'S01', name: 'Bench site' }));
    for (const form of DEMO_FORMS.filter((f) => f.oid === 'DEMOG' || f.oid === 'VITALS')) {
      expectOk(await vault.forms.defineForm(CLI_ACTOR, study.id, form));
      expectOk(await vault.forms.publish(CLI_ACTOR, study.id, form.oid));
    }
    const file = join(place.dir, 'import.csv');
    const records = await writeCsv(file, PARTICIPANTS);
    const loaded = await vault.imports.importFile(CLI_ACTOR, study.id, file, 'Export benchmark data');
    if (!loaded.ok)
      throw new Error(`bench data refused: ${JSON.stringify(loaded.error.details?.problems).slice(0, 600)}`);
    const db = vault.store.db;

    // The baseline: the same rows by the same plain SELECTs, written out as they are (no keys, no rules).
    const dump = await measured(async () => {
      const out = createWriteStream(join(place.dir, 'dump.jsonl'));
      let after = '';
      let rows = 0;
      for (;;) {
        // The same SELECTs the export makes (participants by id, then their current versions).
        const page = await exportRepo.participantPage(db, study.id, after, 500);
        if (page.length === 0) break;
        after = page[page.length - 1]?.id ?? after;
        const records = await exportRepo.currentRecords(
          db,
          page.map((p) => p.id),
        );
        let chunk = '';
        for (const row of records) chunk += `${JSON.stringify(row)}\n`;
        rows += records.length;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', r));
      }
      await new Promise<void>((r) => out.end(r));
      return rows;
    });

    const dir = join(place.dir, 'export');
    mkdirSync(dir);
    const made = await measured(async () =>
      expectOk(
        await vault.exports.createIn(
          CLI_ACTOR,
          study.id,
          { profile: 'deidentified', recipient: 'Bench', purpose: 'Benchmark', suppress: ['BIRTH_DATE'] },
          dir,
        ),
      ),
    );
    const exportRate = records / made.seconds;
    const dumpRate = dump.value / dump.seconds;
    return {
      dialect,
      records,
      exportedRows: made.value.rows,
      export: {
        seconds: Number(made.seconds.toFixed(2)),
        recordsPerSecond: Math.round(exportRate),
        peakRssMiB: made.peakRssMiB,
        rssGrowthMiB: made.rssGrowthMiB,
        peakHeapMiB: made.peakHeapMiB,
        k: made.value.risk.k,
        bytes: made.value.files.reduce((a, f) => a + f.bytes, 0),
      },
      plainDump: {
        rows: dump.value,
        seconds: Number(dump.seconds.toFixed(2)),
        recordsPerSecond: Math.round(dumpRate),
        peakRssMiB: dump.peakRssMiB,
        rssGrowthMiB: dump.rssGrowthMiB,
        peakHeapMiB: dump.peakHeapMiB,
      },
      ratioToPlainDump: Number((exportRate / dumpRate).toFixed(3)),
    };
  } finally {
    await vault.close();
    await place.cleanup();
  }
}

/**
 * De-identified CSV export of 100,000 records (10,000 participants x 10) beside a plain SELECT dump of
 * the same rows in the same run (issue #16: target >= 0.3 of the dump, memory flat: streamed).
 */
export async function benchExport() {
  const { dialects, skipped } = await benchDialects();
  const results = [];
  for (const dialect of dialects) results.push(await benchDialect(dialect));
  return {
    bench: 'export',
    description: `De-identified CSV (wide, long, dictionary, SAS, R) of ${PARTICIPANTS} participants x 10 records: one pass (k-anonymity collected while staging), every exported protected value opened (dropped identifiers are never deciphered), pseudonyms and canaries added (BIRTH_DATE suppressed: no date is exported); against a plain SELECT dump of the same rows by the same queries`,
    results,
    skipped,
  };
}
