/**
 * How each table of the schema is bound to something a database administrator cannot forge (issue #17,
 * docs/ledger.md): 'row-seal' rows carry a row MAC and a ledger seal (row-seal.ts); 'replay' tables are
 * checked by replaying the events (records, the ledger itself); 'excluded' only where a change or loss is
 * harmless by design. Capabilities declare their own tables (e.g. src/authz/access-bindings.ts); the
 * composition root registers them, and the coverage test and verify read `allBindings()`.
 */
export interface TableBinding {
  readonly table: string;
  /** The primary key columns, in order: the row's identity in its MAC and in its ledger seal. */
  readonly key: readonly string[];
  readonly how: 'row-seal' | 'replay' | 'excluded';
  /**
   * Columns changed without an event (an activity stamp, a failure counter): covered by the row MAC,
   * left out of the ledger seal. Each is listed with its reason in docs/ledger.md.
   */
  readonly volatile?: readonly string[];
  /** True when the server checks the row MAC on every read (refusing a bad row with ROW_TAMPERED). */
  readonly checkedOnRead?: boolean;
  /**
   * For a table sealed after row seals were introduced (0010): the action of the one audited event that
   * seals its existing rows, once (app/row-seal-startup.ts). Absent: sealed by `ledger.rows-sealed`.
   */
  readonly sealedBy?: 'ledger.records-sealed';
  readonly reason: string;
}

const registry = new Map<string, TableBinding>();

/** Registers bindings; the same binding twice is a no-op, a different one for a table is a bug. */
export function registerBindings(bindings: readonly TableBinding[]): void {
  for (const binding of bindings) {
    const known = registry.get(binding.table);
    if (known !== undefined && known !== binding) {
      throw new Error(`table ${binding.table} has two bindings`);
    }
    registry.set(binding.table, binding);
  }
}

export function allBindings(): readonly TableBinding[] {
  return [...registry.values()];
}

export function findBinding(table: string): TableBinding | undefined {
  return registry.get(table);
}

/** The binding of a row-sealed table; throws for a table that is not one (a programming error). */
export function rowSealBinding(table: string): TableBinding {
  const binding = registry.get(table);
  if (binding?.how !== 'row-seal') throw new Error(`table ${table} has no row-seal binding`);
  return binding;
}
