import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentTick } from '../storage/read-tick.js';
import { MarkTable } from './mark-table.js';

describe('MarkTable (row high-water marks, issue #17 hole A)', () => {
  it('never lowers a mark and never holds more than its capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat(1000)), { maxLength: 400 }),
        (ops) => {
          const table = new MarkTable(20);
          const highest = new Map<string, number>();
          for (const [key, seq] of ops) {
            const id = `r${key}`;
            table.raise(id, seq);
            highest.set(id, Math.max(highest.get(id) ?? seq, seq));
            expect(table.size).toBeLessThanOrEqual(20);
            // A mark that is held is the highest seq raised for that row.
            const held = table.get(id);
            expect(held).toBe(highest.get(id));
          }
          for (const [id, seq] of highest) {
            const held = table.get(id);
            if (held !== undefined) expect(held).toBe(seq);
          }
        },
      ),
    );
  });

  it('keeps a mark that is used while others come and go (least recently used go first)', () => {
    const table = new MarkTable(100);
    table.raise('session', 7);
    for (let i = 0; i < 10_000; i++) {
      table.raise(`row${i}`, i);
      if (i % 10 === 0) expect(table.get('session')).toBe(7);
    }
    expect(table.get('session')).toBe(7);
    expect(table.get('row0')).toBeUndefined();
  });

  it('stays linear when far more rows pass than it holds (the export of issue #16)', () => {
    const table = new MarkTable(1000);
    for (let i = 0; i < 300_000; i++) table.raise(`row${i}`, i);
    expect(table.size).toBeLessThanOrEqual(1000);
    expect(table.get('row299999')).toBe(299_999);
  });

  it('review s13: answers the mark as it stood when a read was sent (two raises kept)', () => {
    const table = new MarkTable(100);
    const beforeAll = currentTick();
    table.raise('row', 5);
    const afterFirst = currentTick();
    table.raise('row', 9);
    const afterSecond = currentTick();
    expect(table.at('row', afterSecond)).toBe(9);
    // A read sent between the raises is compared with the first one; before both, the mark at its
    // time is unknown (locked reads carry no tick and are compared with the mark as it is now).
    expect(table.at('row', afterFirst)).toBe(5);
    expect(table.at('row', beforeAll)).toBeUndefined();
    const fresh = new MarkTable(100);
    const before = currentTick();
    fresh.raise('new', 3);
    expect(fresh.at('new', before)).toBeUndefined();
    // A raise to a lower or equal mark changes nothing, its tick included.
    table.raise('row', 9);
    expect(table.at('row', afterFirst)).toBe(5);
    expect(table.get('row')).toBe(9);
  });
});
