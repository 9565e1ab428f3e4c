import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.js';
import {
  canonicalValue,
  computeRowMac,
  labelledLedgerSeal,
  ledgerSeal,
  type RowSealer,
  rowKeyOf,
  rowMacAndSeal,
  rowMacHolds,
} from './row-seal.js';
import { rowStanding, SealLedger } from './row-seal-ledger.js';
import { rowId } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

const sealer = (key: string): RowSealer => ({
  rowMac: (m) => createHmac('sha256', key).update(m).digest(),
});
const A = sealer('key-a');
const B = sealer('key-b');
const BINDING: TableBinding = {
  table: 'grants',
  key: ['id'],
  how: 'row-seal',
  volatile: ['seen_at'],
  reason: 'test',
};

const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
);
const row = fc.record({
  id: fc.string({ minLength: 1 }),
  role: fc.string(),
  site_id: fc.option(fc.string(), { nil: null }),
  count: fc.integer(),
  blob: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
  seen_at: fc.option(fc.string(), { nil: null }),
  row_seq: fc.nat(),
});

function sealed(r: Record<string, unknown>, s = A, b = BINDING) {
  return { ...r, row_mac: computeRowMac(s, b, r) };
}

/** Two column values the row MAC must tell apart (null and absent are the same by design). */
function differs(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return !a.equals(b);
  return (
    String(a) !== String(b) || (a === null) !== (b === null) || Buffer.isBuffer(a) !== Buffer.isBuffer(b)
  );
}

describe('row seal (issue #17)', () => {
  it('holds for the row it was made for, and a PostgreSQL bigint string reads as the same integer', () => {
    const r = sealed({ id: 'g1', role: 'monitor', count: 5, row_seq: 7 });
    expect(rowMacHolds(A, BINDING, r)).toBe(true);
    expect(rowMacHolds(A, BINDING, { ...r, count: '5', row_seq: '7' })).toBe(true);
  });

  it('fails on any single column change (property)', () => {
    fc.assert(
      fc.property(
        row,
        fc.constantFrom('id', 'role', 'site_id', 'count', 'blob', 'seen_at', 'row_seq'),
        value,
        (r, column, v) => {
          fc.pre(differs(r[column as keyof typeof r], v));
          const s = sealed(r);
          expect(rowMacHolds(A, BINDING, { ...s, [column]: v })).toBe(false);
        },
      ),
    );
  });

  it('fails under another key, another table or another primary key (property)', () => {
    fc.assert(
      fc.property(row, fc.string({ minLength: 1 }), (r, other) => {
        const s = sealed(r);
        expect(rowMacHolds(B, BINDING, s)).toBe(false);
        expect(rowMacHolds(A, { ...BINDING, table: 'sessions' }, s)).toBe(false);
        expect(rowMacHolds(A, { ...BINDING, key: ['role'] }, s)).toBe(r.role === r.id);
        fc.pre(other !== r.id);
        expect(rowMacHolds(A, BINDING, { ...s, id: other })).toBe(false);
      }),
    );
  });

  it('fails for a row without a MAC or without a row_seq, and for a column added by hand', () => {
    const r = sealed({ id: 'g1', role: 'monitor', row_seq: 3 });
    expect(rowMacHolds(A, BINDING, { ...r, row_mac: null })).toBe(false);
    expect(rowMacHolds(A, BINDING, { ...r, row_seq: null })).toBe(false);
    expect(rowMacHolds(A, BINDING, { ...r, extra: 'x' })).toBe(false);
    // A column added later as null leaves the MAC valid (a migration adding a nullable column).
    expect(rowMacHolds(A, BINDING, { ...r, extra: null })).toBe(true);
  });

  it('the ledger seal leaves out volatile columns only', () => {
    fc.assert(
      fc.property(row, fc.string(), fc.string(), (r, seen, role) => {
        expect(ledgerSeal(A, BINDING, { ...r, seen_at: seen })).toBe(ledgerSeal(A, BINDING, r));
        fc.pre(role !== r.role);
        expect(ledgerSeal(A, BINDING, { ...r, role })).not.toBe(ledgerSeal(A, BINDING, r));
        expect(ledgerSeal(A, BINDING, { ...r, row_seq: r.row_seq + 1 })).not.toBe(ledgerSeal(A, BINDING, r));
        expect(ledgerSeal(B, BINDING, r)).not.toBe(ledgerSeal(A, BINDING, r));
      }),
    );
  });

  it('seals exactly the canonical JSON of label, table, key, row_seq and columns (property)', () => {
    // The bytes are built by hand for speed; stores sealed before must keep their MACs.
    const bytes: RowSealer = { rowMac: (m) => Buffer.from(m) };
    // Column names come from the schema; "__proto__" is no column (and would be a prototype here).
    const text = fc.string({ unit: 'grapheme' }).filter((k) => k !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(text, value), row, (extra, r) => {
        const full: Record<string, unknown> = { ...extra, ...r, row_mac: Buffer.alloc(32) };
        const columns: Record<string, unknown> = {};
        for (const [column, v] of Object.entries(full)) {
          if (v === null || column === 'row_mac' || column === 'row_seq') continue;
          columns[column] = canonicalValue(v);
        }
        const expected = canonicalJson([
          'row/v1',
          BINDING.table,
          rowKeyOf(BINDING, full),
          canonicalValue(full.row_seq),
          columns,
        ]);
        expect(computeRowMac(bytes, BINDING, full).toString('utf8')).toBe(expected);
        // The ledger seal of the same row: the same bytes under its label, without the volatile column.
        const { seen_at: _seen, ...kept } = columns;
        const ledger = canonicalJson([
          'row-ledger/v1',
          BINDING.table,
          rowKeyOf(BINDING, full),
          canonicalValue(full.row_seq),
          kept,
        ]);
        expect(Buffer.from(ledgerSeal(bytes, BINDING, full), 'base64').toString('utf8')).toBe(ledger);
      }),
    );
  });

  it('a table without volatile columns: its ledger seal is its row MAC; one sealed under the ledger label before still stands (property)', () => {
    const PLAIN: TableBinding = { table: 'records', key: ['id'], how: 'row-seal', reason: 'test' };
    fc.assert(
      fc.property(row, fc.string(), (r, role) => {
        const mac = computeRowMac(A, PLAIN, r);
        expect(ledgerSeal(A, PLAIN, r)).toBe(mac.toString('base64'));
        expect(rowMacAndSeal(A, PLAIN, r)).toEqual({ mac, seal: mac.toString('base64') });
        const stored = { ...r, row_mac: mac };
        const id = rowId(PLAIN.table, rowKeyOf(PLAIN, r));
        const standing = (seal: string) => {
          const ledger = new SealLedger();
          ledger.seals.set(id, seal);
          return rowStanding(A, PLAIN, stored, ledger);
        };
        expect(standing(ledgerSeal(A, PLAIN, r))).toBeUndefined();
        expect(standing(labelledLedgerSeal(A, PLAIN, r))).toBeUndefined();
        // The row changed since: it matches neither seal; nor does a seal made under another key.
        fc.pre(role !== r.role);
        const changed = { ...r, role };
        expect(standing(ledgerSeal(A, PLAIN, changed))).toBe('differs');
        expect(standing(labelledLedgerSeal(A, PLAIN, changed))).toBe('differs');
        expect(standing(labelledLedgerSeal(B, PLAIN, r))).toBe('differs');
        // A table with volatile columns takes only its labelled seal.
        expect(ledgerSeal(A, BINDING, r)).toBe(labelledLedgerSeal(A, BINDING, r));
      }),
    );
  });

  it('a row checked before and changed since fails: remembered MACs spare the HMAC, never the check', () => {
    const r: Record<string, unknown> = sealed({
      id: 'g1',
      role: 'monitor',
      blob: Buffer.from([1, 2]),
      count: 5,
      row_seq: 3,
    });
    expect(rowMacHolds(A, BINDING, r)).toBe(true);
    expect(rowMacHolds(A, BINDING, { ...r })).toBe(true);
    // The same MAC on changed content: a column edited, added, dropped, or binary changed in place.
    expect(rowMacHolds(A, BINDING, { ...r, role: 'admin' })).toBe(false);
    expect(rowMacHolds(A, BINDING, { ...r, extra: 'x' })).toBe(false);
    const { count: _count, ...dropped } = r;
    expect(rowMacHolds(A, BINDING, dropped)).toBe(false);
    (r.blob as Buffer)[0] = 9;
    expect(rowMacHolds(A, BINDING, r)).toBe(false);
    // Copied under another primary key, or to another table, with its MAC.
    expect(rowMacHolds(A, BINDING, { ...r, blob: Buffer.from([1, 2]), id: 'g2' })).toBe(false);
    expect(rowMacHolds(A, { ...BINDING, table: 'sessions' }, { ...r, blob: Buffer.from([1, 2]) })).toBe(
      false,
    );
    expect(rowMacHolds(A, BINDING, { ...r, blob: Buffer.from([1, 2]) })).toBe(true);
  });

  it('the MAC and seal made together are those made apart, volatile columns set or not (property)', () => {
    fc.assert(
      fc.property(row, (r) => {
        const both = rowMacAndSeal(A, BINDING, r);
        expect(both.mac.equals(computeRowMac(A, BINDING, r))).toBe(true);
        expect(both.seal).toBe(ledgerSeal(A, BINDING, r));
      }),
    );
  });
});
