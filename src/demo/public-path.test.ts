import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Issue #15: the demo study is built through the same services the API calls, so what the demo shows
// a study team can do, they can do; no repo, no in-transaction shortcut, no raw SQL.
describe('the demo seeder', () => {
  const source = readFileSync(new URL('./service.ts', import.meta.url), 'utf8');

  it('imports no repo and no storage beyond the transaction of its own audit event', () => {
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((path) => path?.endsWith('/repo.js') || path?.includes('kysely'))).toEqual([]);
  });

  it('calls no in-transaction variant of another capability', () => {
    expect(source.match(/\.\w+InTx\(/g) ?? []).toEqual([]);
  });
});
