import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { rawDb } from '../../test/support/dba-sql.js';
import { DIALECTS, freshPlace } from '../../test/support/stores.js';
import { ok } from '../core/result.js';
import { assertSchemaAsChecked, schemaChanges } from './schema-guard.js';
import { openStore, type Store } from './store.js';
import { transact } from './transact.js';

async function sealingChange(store: Store) {
  return transact(store.db, async (trx) => {
    await sql`update counters set value = value where name = 'audit_seq'`.execute(trx);
    await assertSchemaAsChecked(trx);
    return ok(null);
  });
}

for (const dialect of DIALECTS) {
  describe(`the schema guard (${dialect}; review s13)`, () => {
    it('routine maintenance changes nothing: no false alarm', async () => {
      const place = await freshPlace(dialect);
      const store = await openStore(place.location);
      try {
        expect(schemaChanges(store.db)).toEqual([]);
        if (dialect === 'sqlite') {
          await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
          await sql`ANALYZE`.execute(store.db);
        } else {
          await sql`VACUUM participant_keys`.execute(store.db);
          await sql`VACUUM (FREEZE) users`.execute(store.db);
          await sql`ANALYZE`.execute(store.db);
        }
        expect((await sealingChange(store)).ok).toBe(true);
        // A second store opened on the same database (a CLI command beside the server) changes nothing.
        const other = await openStore(place.location);
        await other.close();
        expect((await sealingChange(store)).ok).toBe(true);
      } finally {
        await store.close();
        await place.cleanup();
      }
    });

    it('an index, a view or a trigger added while the store is open refuses the next sealing change', async () => {
      const ddls =
        dialect === 'sqlite'
          ? [
              'create index users_evil on users (email, name)',
              'create view users_evil as select * from users',
              'create trigger users_evil after update on users begin select 1; end',
            ]
          : [
              'create view users_evil as select * from users',
              'create rule users_evil as on update to users do also select 1',
              'alter table users alter column is_demo set default 1',
              'alter table users disable trigger users_access_epoch_1',
            ];
      for (const ddl of ddls) {
        const place = await freshPlace(dialect);
        const store = await openStore(place.location);
        try {
          expect((await sealingChange(store)).ok).toBe(true);
          const dba = await rawDb(place.location);
          await dba.run(ddl);
          await dba.close();
          const refused = await sealingChange(store);
          expect(refused.ok ? null : refused.error.code, ddl).toBe('STORE_DAMAGED');
          // And every later change, the object dropped again or not.
          expect(schemaChanges(store.db)?.length).toBe(1);
          expect((await sealingChange(store)).ok).toBe(false);
        } finally {
          await store.close();
          await place.cleanup();
        }
      }
    });

    it('an index added shows when the store is opened and in verify', async () => {
      const place = await freshPlace(dialect);
      await (await openStore(place.location)).close();
      const dba = await rawDb(place.location);
      try {
        await dba.run('create index users_evil on users (email, name)');
        const store = await openStore(place.location);
        expect(schemaChanges(store.db)).toEqual(['index:users_evil added']);
        await store.close();
      } finally {
        await dba.close();
        await place.cleanup();
      }
    });
  });
}
