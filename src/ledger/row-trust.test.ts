import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../storage/schema.js';
import { computeRowMac, type RowSealer } from './row-seal.js';
import { untrustedRow } from './row-trust.js';
import type { TableBinding } from './table-binding.js';

const sealer: RowSealer = { rowMac: (m) => createHmac('sha256', 'row-trust-test').update(m).digest() };
// Only identity and isTransaction are used: committed reads raise the marks.
const db = { isTransaction: false } as unknown as Kysely<Database>;
const GRANTS: TableBinding = { table: 'grants', key: ['id'], how: 'row-seal', reason: 'test' };
const RECORDS: TableBinding = { table: 'records', key: ['id'], how: 'row-seal', reason: 'test' };

function sealed(binding: TableBinding, row: Record<string, unknown>) {
  const full = { ...row, row_mac: null };
  return { ...full, row_mac: computeRowMac(sealer, binding, full) };
}

describe('row high-water marks (issue #17 review hole A)', () => {
  it('refuses an older, validly sealed copy of a row read before (a revoked grant put back)', () => {
    const revoked = sealed(GRANTS, { id: 'g-hole-a', role: 'monitor', revoked_at: '2026-12-01', row_seq: 9 });
    const before = sealed(GRANTS, { id: 'g-hole-a', role: 'monitor', row_seq: 4 });
    expect(untrustedRow(db, sealer, GRANTS, [revoked])).toBeUndefined();
    expect(untrustedRow(db, sealer, GRANTS, [before])).toBe(before);
  });

  it('an export of more data rows than the marks hold never pushes out a security row mark', () => {
    const revoked = sealed(GRANTS, { id: 'g-flood', role: 'monitor', revoked_at: '2026-12-01', row_seq: 20 });
    const before = sealed(GRANTS, { id: 'g-flood', role: 'monitor', row_seq: 5 });
    expect(untrustedRow(db, sealer, GRANTS, [revoked])).toBeUndefined();
    // 300,000 record rows read (more than the data table's 200,000 marks), in pages like an export.
    for (let page = 0; page < 600; page++) {
      const rows = Array.from({ length: 500 }, (_, i) =>
        sealed(RECORDS, { id: `r${page * 500 + i}`, version: 1, row_seq: 100 + page }),
      );
      expect(untrustedRow(db, sealer, RECORDS, rows)).toBeUndefined();
    }
    expect(untrustedRow(db, sealer, GRANTS, [before])).toBe(before);
  });
});
