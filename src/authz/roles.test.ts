import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAccessTable } from '../access/access-doc.js';
import { ROLE_DEFINITIONS, ROLES, requiresMfa } from './roles.js';

describe('role table', () => {
  it('docs/access.md shows exactly the role table of src/authz/roles.ts', () => {
    const doc = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
    const table = /<!-- access-table:start -->\n([\s\S]*?)\n<!-- access-table:end -->/.exec(doc)?.[1];
    const normalise = (t: string) =>
      t.split('\n').map((l) =>
        l
          .replace(/\s+/g, ' ')
          .replace(/ ?\| ?/g, '|')
          .replace(/-{3,}/g, '---')
          .trim(),
      );
    expect(normalise(table ?? '')).toEqual(normalise(renderAccessTable()));
  });

  it('HIPAA 164.312(d): every role that can reveal protected values requires a second factor', () => {
    for (const role of ROLES)
      if (ROLE_DEFINITIONS[role].reveal.length > 0) expect(requiresMfa(role)).toBe(true);
  });

  it('only the unblinded pharmacist may see allocation', () => {
    for (const role of ROLES) {
      expect(ROLE_DEFINITIONS[role].reveal.includes('allocation')).toBe(role === 'unblinded_pharmacist');
      expect(ROLE_DEFINITIONS[role].blinded).toBe(role !== 'unblinded_pharmacist');
    }
  });
});
