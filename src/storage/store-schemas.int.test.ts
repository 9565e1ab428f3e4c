import { describe, expect, it } from 'vitest';
import { DIALECTS, freshPlace } from '../../test/support/stores.js';
import { openStore } from './store.js';

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL stores side by side', () => {
  it('a store chosen by the URL search_path migrates even when another schema holds a store', async () => {
    const first = await freshPlace('postgres');
    const second = await freshPlace('postgres');
    try {
      if (first.location.dialect !== 'postgres' || second.location.dialect !== 'postgres') throw new Error();
      const a = await openStore(first.location);
      await a.close();
      const url = `${second.location.url}?options=${encodeURIComponent(`-c search_path=${second.location.schema}`)}`;
      const b = await openStore({ dialect: 'postgres', url });
      const tables = await b.db.selectFrom('meta').selectAll().execute();
      expect(Array.isArray(tables)).toBe(true);
      await b.close();
    } finally {
      await first.cleanup();
      await second.cleanup();
    }
  });
});
