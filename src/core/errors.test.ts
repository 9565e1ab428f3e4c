import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS, httpStatusOf, isAppError } from './errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('docs/errors.md lists every code with its HTTP status', () => {
    for (const code of ERROR_CODES) {
      const row = doc.split('\n').find((line) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(line));
      expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
      expect(row?.split('|')[2]?.trim()).toBe(String(ERROR_STATUS[code]));
    }
  });

  it('docs/errors.md lists no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ERROR_CODES].sort());
  });

  it('maps every code to a status and recognises only known codes', () => {
    expect(httpStatusOf('NOT_FOUND')).toBe(404);
    expect(isAppError({ code: 'NOT_FOUND', message: 'x' })).toBe(true);
    expect(isAppError({ code: 'MADE_UP', message: 'x' })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
