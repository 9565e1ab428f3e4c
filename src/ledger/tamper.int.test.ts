import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate } from '../../test/support/populate.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import type { Database } from '../storage/schema.js';

type Table = 'records' | 'record_versions' | 'audit_events' | 'ledger_checkpoints';
type Op = 'edit' | 'delete' | 'insert' | 'swap';
const TABLES: Table[] = ['records', 'record_versions', 'audit_events', 'ledger_checkpoints'];
const KEYS: Record<Table, string[]> = {
  records: ['id'],
  record_versions: ['record_id', 'version'],
  audit_events: ['seq'],
  ledger_checkpoints: ['size'],
};
/** The columns an edit or swap may touch (every column of every table, keys included). */
const COLUMNS: Record<Table, string[]> = {
  records: [
    'id',
    'study_id',
    'participant_id',
    'form_id',
    'visit',
    'version',
    'locked',
    'created_at',
    'updated_at',
  ],
  record_versions: [
    'record_id',
    'version',
    'form_version_id',
    'actor',
    'reason',
    'created_at',
    'clear_values',
    'sealed_values',
    'changed_fields',
  ],
  audit_events: [
    'seq',
    'at',
    'actor',
    'action',
    'outcome',
    'study_id',
    'participant_id',
    'record_id',
    'target',
    'reason',
    'client',
    'details',
    'leaf_mac',
  ],
  ledger_checkpoints: ['size', 'root', 'at', 'note'],
};

class Rollback extends Error {}

/** A different value of the same kind for a column, so that an edit always changes something. */
function altered(value: unknown, column: string, salt: number): unknown {
  if (Buffer.isBuffer(value)) return randomBytes(value.length || 32);
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) + 1000 + salt;
  if (value === null) return column === 'leaf_mac' ? randomBytes(32) : `tampered-${salt}`;
  const text = String(value);
  if (column === 'details' || column.endsWith('_values') || column === 'changed_fields')
    return JSON.stringify({ tampered: salt });
  if (column === 'note') return text.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`);
  return `${text.slice(0, -1)}${text.endsWith('x') ? 'y' : 'x'}`;
}

async function tamper(
  trx: Kysely<Database>,
  table: Table,
  op: Op,
  pick: number,
  column: number,
  salt: number,
): Promise<boolean> {
  const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(trx)).rows;
  if (rows.length === 0) return false;
  const row = rows[pick % rows.length] as Record<string, unknown>;
  const where = (r: Record<string, unknown>) =>
    sql.join(
      KEYS[table].map((k) => sql`${sql.ref(k)} = ${r[k]}`),
      sql` and `,
    );
  if (op === 'delete') {
    await sql`delete from ${sql.table(table)} where ${where(row)}`.execute(trx);
    return true;
  }
  if (op === 'insert') {
    const copy = { ...row };
    for (const k of KEYS[table]) copy[k] = altered(copy[k], k, salt + 7);
    const columns = Object.keys(copy);
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => copy[c]))})`.execute(
      trx,
    );
    return true;
  }
  if (op === 'swap') {
    const other = rows[(pick + 1 + (salt % Math.max(1, rows.length - 1))) % rows.length] as Record<
      string,
      unknown
    >;
    const columns = COLUMNS[table].filter((c) => !KEYS[table].includes(c));
    if (other === row || columns.every((c) => String(row[c]) === String(other[c]))) return false;
    const set = (from: Record<string, unknown>) =>
      sql.join(columns.map((c) => sql`${sql.ref(c)} = ${from[c]}`));
    await sql`update ${sql.table(table)} set ${set(other)} where ${where(row)}`.execute(trx);
    await sql`update ${sql.table(table)} set ${set(row)} where ${where(other)}`.execute(trx);
    return true;
  }
  const name = COLUMNS[table][column % COLUMNS[table].length] as string;
  await sql`update ${sql.table(table)} set ${sql.ref(name)} = ${altered(row[name], name, salt)} where ${where(row)}`.execute(
    trx,
  );
  return true;
}

for (const dialect of DIALECTS) {
  describe(`verify detects every single-row tampering (${dialect})`, () => {
    let t: TestVault;
    beforeAll(async () => {
      t = await freshVault(dialect);
      await populate(t.vault);
    });
    afterAll(async () => t.cleanup());

    it('an untouched store verifies', async () => {
      const report = await t.vault.ledger.verify();
      expect(report.findings).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('21 CFR 11.10(e), ICH E6(R3) 4.2.2: random edits, deletions, insertions and swaps in SQL are all detected and named (property)', async () => {
      let tried = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...TABLES),
          fc.constantFrom<Op>('edit', 'delete', 'insert', 'swap'),
          fc.nat(),
          fc.nat(),
          fc.nat(1000),
          async (table, op, pick, column, salt) => {
            let outcome: { changed: boolean; ok: boolean; tables: string[]; kinds: string[] } | undefined;
            await t.vault.store.db
              .transaction()
              .execute(async (trx) => {
                // Constraints off, as an attacker with full database access would have them.
                if (dialect === 'sqlite') await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
                else await sql`SET LOCAL session_replication_role = replica`.execute(trx);
                const changed = await tamper(trx, table, op, pick, column, salt).catch(() => false);
                const report = changed ? await t.vault.ledger.verify(trx) : undefined;
                outcome = {
                  changed,
                  ok: report?.ok ?? true,
                  tables: report?.findings.map((f) => f.table) ?? [],
                  kinds: report?.findings.map((f) => f.kind) ?? [],
                };
                throw new Rollback();
              })
              .catch((e: unknown) => {
                if (!(e instanceof Rollback)) throw e;
              });
            if (!outcome?.changed) return;
            tried++;
            expect(outcome.ok, `${op} in ${table} went unnoticed`).toBe(false);
            expect(outcome.tables, `${op} in ${table} was not named`).toContain(table);
          },
        ),
        { numRuns: 300 },
      );
      expect(tried).toBeGreaterThan(200);
      // The store is untouched afterwards: every tampering was rolled back.
      expect((await t.vault.ledger.verify()).ok).toBe(true);
    });
  });
}
