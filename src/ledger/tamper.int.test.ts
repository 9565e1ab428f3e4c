import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { populateAll } from '../../test/support/populate-all.js';
import { rowCounts, schemaTables } from '../../test/support/schema-tables.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import {
  candidateRows,
  constraintsOff,
  OPS,
  type Op,
  type TableShape,
  tableShape,
  tamper,
} from '../../test/support/tamper-ops.js';
import { allBindings } from './table-binding.js';

/** Rows excluded by design within a bound table (docs/ledger.md): the rest of the table is drawn from. */
const EXCLUDED_ROWS: Record<string, (row: Record<string, unknown>) => boolean> = {
  // access_epoch is a cache-invalidation signal advanced by triggers without events (any value is
  // harmless); subject/<study>/<site> only proposes the next subject number (a clash is refused).
  counters: (row) => row.name === 'access_epoch' || String(row.name).startsWith('subject/'),
};

/**
 * Tables whose row seals are not merged on this branch yet (issue #17: i-rowseal, i-rowseal2). Their
 * detection is measured and printed, not required; the list must be empty before the merge to main.
 */
const NOT_YET_BOUND = new Set<string>([
  'alerts',
  'api_tokens',
  'break_glass',
  'counters',
  'devices',
  'form_versions',
  'forms',
  'grants',
  'meta',
  'participant_keys',
  'participant_lookup',
  'participants',
  'passkeys',
  'recovery_codes',
  'sessions',
  'signatures',
  'sites',
  'studies',
  'study_keys',
  'telemetry_policies',
  'users',
]);

class Rollback extends Error {}

interface Attempt {
  readonly table: string;
  readonly change: string;
  readonly detected: boolean;
}

for (const dialect of DIALECTS) {
  describe(`verify detects every single-row tampering in every table (${dialect})`, () => {
    let t: TestVault;
    let shapes: TableShape[];
    const rows = new Map<string, Record<string, unknown>[]>();
    const attempts: Attempt[] = [];
    beforeAll(async () => {
      const clock = new TestClock();
      t = await freshVault(dialect, { clock });
      await populateAll(t.vault, clock);
      const db = t.vault.store.db;
      // Only the tables whose loss or change is harmless by design are left out (docs/ledger.md).
      const excluded = new Set(
        allBindings()
          .filter((b) => b.how === 'excluded')
          .map((b) => b.table),
      );
      const tables = (await schemaTables(db, dialect)).filter((name) => !excluded.has(name));
      shapes = await Promise.all(tables.map((name) => tableShape(db, dialect, name)));
      for (const shape of shapes)
        rows.set(shape.table, await candidateRows(db, shape, EXCLUDED_ROWS[shape.table] ?? (() => false)));
    }, 120_000);
    afterAll(async () => {
      const rates = new Map<string, { tried: number; found: number; missed: Set<string> }>();
      for (const a of attempts) {
        const r = rates.get(a.table) ?? { tried: 0, found: 0, missed: new Set<string>() };
        r.tried++;
        if (a.detected) r.found++;
        else r.missed.add(a.change);
        rates.set(a.table, r);
      }
      const lines = [...rates].map(
        ([table, r]) =>
          `${table}: ${r.found}/${r.tried}${r.missed.size > 0 ? ` missed: ${[...r.missed].sort().join(', ')}` : ''}`,
      );
      const found = attempts.filter((a) => a.detected).length;
      console.log(`[${dialect}] detected ${found}/${attempts.length}\n${lines.join('\n')}`);
      await t.cleanup();
    });

    /** One tampering inside a transaction that is rolled back: was it found, with its table named? */
    async function attempt(shape: TableShape, op: Op, pick: number, column: number, salt: number) {
      let outcome: Attempt | undefined;
      await t.vault.store.db
        .transaction()
        .execute(async (trx) => {
          await constraintsOff(trx, dialect);
          const all = rows.get(shape.table) ?? [];
          const change = await tamper(trx, shape, all, op, pick, column, salt).catch(() => undefined);
          if (change !== undefined) {
            const report = await t.vault.ledger.verify(trx);
            const named = report.findings.some((f) => f.table === shape.table);
            outcome = { table: shape.table, change, detected: !report.ok && named };
          }
          throw new Rollback();
        })
        .catch((e: unknown) => {
          if (!(e instanceof Rollback)) throw e;
        });
      if (outcome !== undefined) attempts.push(outcome);
      return outcome;
    }

    const required = (table: string) => !NOT_YET_BOUND.has(table);

    it('an untouched store verifies', async () => {
      const report = await t.vault.ledger.verify();
      expect(report.findings).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('issue #17 item 4: the populated store has rows in every table that is not excluded', async () => {
      const counts = await rowCounts(
        t.vault.store.db,
        shapes.map((s) => s.table),
      );
      expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([]);
    });

    it('21 CFR 11.10(e), ICH E6(R3) 4.2.2: random edits, deletions, insertions and swaps in SQL, in every table, are all detected and named (property)', async () => {
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...shapes),
          fc.constantFrom(...OPS),
          fc.nat(),
          fc.nat(),
          fc.nat(1000),
          async (shape, op, pick, column, salt) => {
            const outcome = await attempt(shape, op, pick, column, salt);
            if (outcome === undefined) return;
            tried++;
            if (required(shape.table))
              expect(outcome.detected, `${outcome.change} in ${shape.table} went unnoticed`).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
      expect(tried).toBeGreaterThan(200);
      // The store is untouched afterwards: every tampering was rolled back.
      expect((await t.vault.ledger.verify()).ok).toBe(true);
    }, 600_000);

    it('21 CFR 11.10(e): every column of every table edited, and a row of each deleted, inserted and swapped, is detected and named', async () => {
      const missed: string[] = [];
      for (const shape of shapes) {
        const changes: [Op, number][] = [
          ['delete', 0],
          ['insert', 0],
          ['swap', 0],
          ...shape.columns.map((_c, i): [Op, number] => ['edit', i]),
        ];
        for (const [op, column] of changes) {
          const outcome = await attempt(shape, op, column, column, 17 + column);
          if (outcome !== undefined && !outcome.detected && required(shape.table))
            missed.push(`${shape.table}: ${outcome.change}`);
        }
      }
      expect(missed).toEqual([]);
    }, 600_000);
  });
}
