import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('.', import.meta.url).pathname;
/**
 * The layers below the ledger (docs/architecture.md); routes.ts and the answer schemas (*-answers.ts) are
 * the HTTP edge and may see the HTTP library and the app.
 */
const BELOW = ['core', 'crypto', 'config', 'storage'];

describe('the ledger knows no capability', () => {
  it('issue #17 item 2: verify runs registered checks, so src/ledger imports only the layers below it', () => {
    const offending: string[] = [];
    for (const file of readdirSync(DIR)) {
      if (!file.endsWith('.ts') || file.includes('.test.') || file === 'routes.ts') continue;
      if (file.endsWith('-answers.ts')) continue;
      const text = readFileSync(`${DIR}${file}`, 'utf8');
      for (const [, from] of text.matchAll(/from '(\.\.\/[^']+)'/g)) {
        const layer = from?.split('/')[1] ?? '';
        if (!BELOW.includes(layer)) offending.push(`${file} -> ${from}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
