import type { Kysely } from 'kysely';
import { appError } from '../core/errors.js';
import { type Dialect, onPostgres } from './dialect.js';
import { planOwner } from './prepared-query.js';
import type { Database } from './schema.js';
import { definitionDigests, schemaDefinition, schemaStamp } from './schema-definition.js';
import { EXPECTED_SCHEMA } from './schema-expected.js';

/** What the store's schema was found to be when it was opened (or checked again). */
export interface SchemaState {
  /** The objects that differ from what the migrations create (`trigger:users.x added`); empty if none. */
  readonly changes: readonly string[];
  readonly stamp: string;
}

const states = new WeakMap<Kysely<Database>, SchemaState>();
/** SQLite transactions whose stamp was compared after they wrote (see `assertSchemaAsChecked`). */
const checkedIn = new WeakSet<Kysely<Database>>();

/**
 * The objects of a store that differ from the ones its migrations create, by name (never by content):
 * `added`, `removed` or `changed`. An empty list: the schema is the one TrialVault made.
 */
export async function schemaChangesOf(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const live = definitionDigests(await schemaDefinition(db));
  const expected = EXPECTED_SCHEMA[dialect];
  const changes: string[] = [];
  for (const [name, digest] of live) {
    const want = expected[name];
    if (want === undefined) changes.push(`${name} added`);
    else if (!digest.startsWith(want)) changes.push(`${name} changed`);
  }
  for (const name of Object.keys(expected)) if (!live.has(name)) changes.push(`${name} removed`);
  return changes;
}

/**
 * Checks the schema of a store just opened (and migrated) against the expected one and keeps the
 * outcome and a stamp for the transactions to compare with (`assertSchemaAsChecked`).
 */
export async function guardSchema(db: Kysely<Database>, dialect: Dialect): Promise<SchemaState> {
  // One snapshot for both: a trigger committed between the two reads would be in the stamp only.
  const read = async (trx: Kysely<Database>): Promise<SchemaState> => ({
    changes: await schemaChangesOf(trx, dialect),
    stamp: await schemaStamp(trx),
  });
  const state =
    dialect === 'postgres'
      ? await db.transaction().setIsolationLevel('repeatable read').execute(read)
      : await db.transaction().execute(read);
  states.set(db, state);
  return state;
}

/** The objects found changed when the store was opened; undefined when it was not checked. */
export function schemaChanges(db: Kysely<Database>): readonly string[] | undefined {
  return states.get(planOwner(db))?.changes;
}

/** A change refused because the store's schema is not the one it was checked to be. */
export class SchemaChanged extends Error {
  constructor(readonly changes: readonly string[]) {
    super('the database schema was changed outside TrialVault');
  }
}

/**
 * Inside a change's transaction, before it seals rows as they are stored: the schema is still the
 * one checked at open, and that one was as the migrations made it. Otherwise a trigger, rule or
 * default put in by someone with database access may have rewritten a row inside this very change
 * and the seal would vouch for it (review s13; docs/ledger.md). Throws SchemaChanged (the change is
 * rolled back; storage/transact.ts answers STORE_DAMAGED). A handle never checked is not guarded.
 */
export async function assertSchemaAsChecked(trx: Kysely<Database>): Promise<void> {
  const root = planOwner(trx);
  const state = states.get(root);
  if (state === undefined) return;
  if (state.changes.length > 0) throw new SchemaChanged(state.changes);
  if (checkedIn.has(trx)) return;
  let stamp = await schemaStamp(trx);
  // The stamp also moves for what changes nothing here (SQLite's ANALYZE and VACUUM; a GRANT on a
  // function): the schema checked whole again, as the migrations made it, is the new reference. A
  // function replaced and put back meanwhile is not seen here; the row it rewrote is (predicted-row.ts).
  const dialect = onPostgres(trx) ? 'postgres' : 'sqlite';
  if (stamp !== state.stamp && (await schemaChangesOf(trx, dialect)).length === 0) {
    states.set(root, { changes: [], stamp });
    stamp = state.stamp;
  }
  if (stamp === state.stamp) {
    // SQLite: once this transaction has written, nobody changes the schema before it commits (its
    // write lock), so the units of a shared commit (commit-group.ts) are checked once. PostgreSQL: a
    // function body can be swapped between two statements of one transaction; each append checks.
    if (!onPostgres(trx)) checkedIn.add(trx);
    return;
  }
  // From now on every request is refused and the administrators alerted (app/damaged-store.ts).
  const changed: SchemaState = { changes: ['schema changed while the store was open'], stamp: state.stamp };
  states.set(root, changed);
  throw new SchemaChanged(changed.changes);
}

/** The refusal of a store whose schema is not the one TrialVault made (docs/errors.md STORE_DAMAGED). */
export function schemaDamaged(changes: readonly string[]) {
  const named =
    changes.slice(0, 5).join('; ') + (changes.length > 5 ? `; and ${changes.length - 5} more` : '');
  return appError(
    'STORE_DAMAGED',
    `The database schema is not the one TrialVault created (${named}): a trigger, rule or default put in by hand could rewrite rows as they are written. Run "trialvault verify", then remove what was added or restore from a backup (docs/ledger.md).`,
  );
}

/**
 * Keeps a refusal found inside a change (a row rewritten, the schema changed): from now on every
 * request is refused and the administrators are alerted (app/damaged-store.ts), until a restart finds
 * the schema sound again.
 */
export function keepSchemaDamage(db: Kysely<Database>, changes: readonly string[]): void {
  const root = planOwner(db);
  const state = states.get(root);
  if (state !== undefined && state.changes.length === 0) states.set(root, { changes, stamp: state.stamp });
}
