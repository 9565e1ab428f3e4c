import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { onPostgres } from './dialect.js';
import type { Database } from './schema.js';

/**
 * What decides how the store's writes behave, object by object: on SQLite every entry of its schema
 * table (tables, indexes, triggers, views, as the statements that made them); on PostgreSQL, in the
 * store's schema, the kind of each relation, its columns, triggers, rules, functions (with their
 * bodies), column defaults and constraints (a foreign key's action among them). A trigger or rule that rewrites a row
 * inside the application's own update would otherwise be sealed with it (review s13; docs/ledger.md).
 */
export async function schemaDefinition(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = onPostgres(db) ? await postgresDefinition(db) : await sqliteDefinition(db);
  return new Map(rows.map((r) => [r.name, r.def]));
}

/** Each object's definition reduced to a digest (SHA-256, hex): what the expected schema lists. */
export function definitionDigests(definition: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, def] of [...definition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.set(name, createHash('sha256').update(def, 'utf8').digest('hex'));
  }
  return out;
}

interface DefinitionRow {
  readonly name: string;
  readonly def: string;
}

async function sqliteDefinition(db: Kysely<Database>): Promise<DefinitionRow[]> {
  // Automatic indexes have no statement, SQLite's own tables are named exactly; every other entry,
  // whatever its name (a trigger may be called sqlite_x with writable_schema), is what the migrations made.
  const result = await sql<DefinitionRow>`select type || ':' || name as name, tbl_name || ' ' || sql as def
    from sqlite_master where sql is not null
      and name not in ('sqlite_sequence', 'sqlite_stat1', 'sqlite_stat2', 'sqlite_stat3', 'sqlite_stat4')`.execute(
    db,
  );
  return result.rows;
}

async function postgresDefinition(db: Kysely<Database>): Promise<DefinitionRow[]> {
  const result = await sql<DefinitionRow>`
    with ns as (select oid from pg_namespace where nspname = current_schema()),
    defs as (
    select 'relation:' || c.relname as name, c.relkind::text as def
      from pg_class c where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'v', 'm', 'p', 'f')
    union all
    select 'columns:' || c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        || case when a.attnotnull then ' not null' else '' end || ' ' || a.attgenerated::text
        || a.attidentity::text, ', ' order by a.attnum)
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = (select oid from ns) and c.relkind in ('r', 'p')
      group by c.relname
    union all
    select 'index:' || i.relname, pg_get_indexdef(i.oid)
      from pg_index x join pg_class i on i.oid = x.indexrelid where i.relnamespace = (select oid from ns)
    union all
    select 'trigger:' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
      from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where c.relnamespace = (select oid from ns) and not t.tgisinternal
    union all
    select 'internal-triggers:' || c.relname, string_agg(coalesce(k.conname, '-') || ' ' || p.proname || ' '
        || t.tgtype::text || ' ' || t.tgenabled::text, ', ' order by k.conname, p.proname, t.tgtype)
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
      left join pg_constraint k on k.oid = t.tgconstraint
      where c.relnamespace = (select oid from ns) and t.tgisinternal
      group by c.relname
    union all
    select 'rule:' || c.relname || '.' || r.rulename, pg_get_ruledef(r.oid)
      from pg_rewrite r join pg_class c on c.oid = r.ev_class where c.relnamespace = (select oid from ns)
    union all
    select 'function:' || p.oid::regprocedure::text,
        p.prokind::text || ' ' || p.prosecdef::text || ' ' || coalesce(array_to_string(p.proconfig, ','), '')
        || ' ' || p.prosrc
      from pg_proc p where p.pronamespace = (select oid from ns)
    union all
    select 'default:' || c.relname || '.' || a.attname, pg_get_expr(d.adbin, d.adrelid)
      from pg_attrdef d join pg_class c on c.oid = d.adrelid
      join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where c.relnamespace = (select oid from ns)
    union all
    select 'constraint:' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
      from pg_constraint k join pg_class c on c.oid = k.conrelid where c.relnamespace = (select oid from ns))
    -- The store's own schema is left unnamed: the same migrations in another schema define the same store.
    select name, replace(def, quote_ident(current_schema()) || '.', '') as def from defs`.execute(db);
  return result.rows;
}

/**
 * A cheap stamp of the same objects, read inside a change's transaction and compared with the one
 * taken when the schema was checked whole: on SQLite its schema cookie and schema table (a trigger
 * that fired in this transaction cannot be dropped before it commits: the write lock is held); on
 * PostgreSQL each catalog row's identity and version (xmin), since a function's body can be replaced
 * and put back without a lock on any table.
 */
export async function schemaStamp(db: Kysely<Database>): Promise<string> {
  const result = onPostgres(db)
    ? await sql<{ stamp: string | null }>`
      with ns as (select oid from pg_namespace where nspname = current_schema())
      select string_agg(x, ',' order by x) as stamp from (
        select 't' || t.oid || ':' || t.xmin::text as x from pg_trigger t join pg_class c on c.oid = t.tgrelid
          where c.relnamespace = (select oid from ns)
        union all select 'r' || r.oid || ':' || r.xmin::text from pg_rewrite r join pg_class c on c.oid = r.ev_class
          where c.relnamespace = (select oid from ns)
        union all select 'p' || p.oid || ':' || p.xmin::text from pg_proc p where p.pronamespace = (select oid from ns)
        union all select 'd' || d.oid || ':' || d.xmin::text from pg_attrdef d join pg_class c on c.oid = d.adrelid
          where c.relnamespace = (select oid from ns)
        union all select 'k' || k.oid || ':' || k.xmin::text from pg_constraint k
          where k.connamespace = (select oid from ns)
      ) s`.execute(db)
    : // Triggers and views only: a table's statement (its defaults) changes only with the cookie.
      await sql<{
        stamp: string | null;
      }>`select (select schema_version from pragma_schema_version) || char(10)
        || coalesce(group_concat(name || ':' || sql, char(10)), '') as stamp from sqlite_master
        where type in ('trigger', 'view')`.execute(db);
  return result.rows[0]?.stamp ?? '';
}
