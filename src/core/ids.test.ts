import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('makes RFC 9562 version 7 UUIDs, unique and time-ordered', () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const first = ids[0] ?? '';
    const last = ids[ids.length - 1] ?? '';
    expect(first.slice(0, 13) <= last.slice(0, 13)).toBe(true);
  });
});
