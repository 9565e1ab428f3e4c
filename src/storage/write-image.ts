import { AsyncLocalStorage } from 'node:async_hooks';
import type { KyselyPlugin, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** A column a statement set to something other than a plain value (an expression): not predicted. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Predicted = unknown | typeof UNKNOWN;

/** A column set to itself plus a value (`mfa_failures + 1`): predicted from the row before. */
export class Increment {
  constructor(
    readonly column: string,
    readonly by: number,
  ) {}
}

/** One condition of a where: `=`, `is`, `in`, `<`, `<=`, `>`, `>=`, `!=` / `<>` against plain values. */
export interface Condition {
  readonly column: string;
  readonly op: string;
  readonly value: unknown;
}

/**
 * One write of the transaction: its table, the conditions of its where (`complete`: every one of them
 * was understood and they are joined by `and`), what it set.
 */
export interface WriteEntry {
  readonly kind: 'update' | 'insert' | 'delete';
  readonly table: string;
  readonly where: readonly Condition[];
  readonly complete: boolean;
  readonly sets: ReadonlyMap<string, Predicted>;
  /** Inserts: each row's values (UNKNOWN where not a plain value); undefined when not understood. */
  readonly rows?: readonly Readonly<Record<string, unknown>>[];
  /** Inserts: the conflict rule (`do nothing`, or `do update set`), when there is one. */
  readonly conflict?: { readonly doNothing: boolean; readonly sets: ReadonlyMap<string, Predicted> };
}

/**
 * What a transaction wrote through Kysely's builders, and the rows it read locked before writing:
 * from these the ledger predicts each row it seals as stored and refuses one that differs (review
 * s13: a trigger, rule, index expression or view put in by hand rewrote a row inside the change).
 */
export class WriteImage {
  readonly writes: WriteEntry[] = [];
  readonly #checked = new Map<string, Readonly<Record<string, unknown>>>();

  /** A row read locked in this transaction, before its changes: the base of its prediction. */
  checked(table: string, key: string, row: Readonly<Record<string, unknown>>): void {
    // A copy: the caller may change the object it was handed.
    if (!this.#checked.has(`${table}\u0000${key}`)) this.#checked.set(`${table}\u0000${key}`, { ...row });
  }

  baseOf(table: string, key: string): Readonly<Record<string, unknown>> | undefined {
    return this.#checked.get(`${table}\u0000${key}`);
  }
}

const current = new AsyncLocalStorage<WriteImage>();

/** Runs a transaction's work with its own image (storage/transact.ts, commit-group.ts). */
export function withWriteImage<T>(work: () => Promise<T>): Promise<T> {
  return current.run(new WriteImage(), work);
}

/** The image of the transaction running now; undefined outside one. */
export function writeImage(): WriteImage | undefined {
  return current.getStore();
}

interface Node {
  readonly kind: string;
  readonly [k: string]: unknown;
}

function nameOf(node: unknown): string | undefined {
  const n = node as Node | undefined;
  if (n === undefined) return undefined;
  if (n.kind === 'TableNode') return nameOf(n.table);
  if (n.kind === 'SchemableIdentifierNode') return nameOf(n.identifier);
  if (n.kind === 'IdentifierNode') return typeof n.name === 'string' ? n.name : undefined;
  if (n.kind === 'ColumnNode') return nameOf(n.column);
  if (n.kind === 'ReferenceNode') return nameOf(n.column);
  if (n.kind === 'AliasNode') return nameOf(n.node);
  return undefined;
}

const OPERATORS = new Set(['=', 'is', 'in', '<', '<=', '>', '>=', '!=', '<>']);

/** The `and`-joined conditions of a where; false when some part of it was not understood. */
function conditions(node: unknown, into: Condition[]): boolean {
  const n = node as Node | undefined;
  if (n === undefined) return true;
  if (n.kind === 'WhereNode') return conditions(n.where, into);
  if (n.kind === 'ParensNode') return conditions(n.node, into);
  if (n.kind === 'AndNode') return conditions(n.left, into) && conditions(n.right, into);
  if (n.kind !== 'BinaryOperationNode') return false;
  const op = (n.operator as Node | undefined)?.operator;
  const right = n.rightOperand as Node | undefined;
  const column = nameOf(n.leftOperand);
  if (typeof op !== 'string' || !OPERATORS.has(op) || column === undefined || right === undefined)
    return false;
  if (op === 'in' && right.kind === 'PrimitiveValueListNode') {
    into.push({ column, op, value: right.values });
    return true;
  }
  if (right.kind !== 'ValueNode' || op === 'in') return false;
  into.push({ column, op, value: right.value });
  return true;
}

function setValue(value: Node): Predicted {
  if (value.kind === 'ValueNode') return value.value;
  const right = value.rightOperand as Node | undefined;
  const column = nameOf(value.leftOperand);
  if (
    value.kind === 'BinaryOperationNode' &&
    (value.operator as Node | undefined)?.operator === '+' &&
    right?.kind === 'ValueNode' &&
    typeof right.value === 'number' &&
    column !== undefined
  )
    return new Increment(column, right.value);
  return UNKNOWN;
}

function entryOf(node: RootOperationNode): WriteEntry | undefined {
  const n = node as unknown as Node;
  const where: Condition[] = [];
  if (n.kind === 'UpdateQueryNode') {
    const table = nameOf(n.table);
    if (table === undefined) return undefined;
    const complete = n.from === undefined && conditions(n.where, where);
    const sets = new Map<string, Predicted>();
    for (const u of (n.updates as Node[] | undefined) ?? []) {
      const column = nameOf(u.column);
      if (column !== undefined) sets.set(column, setValue(u.value as Node));
    }
    return { kind: 'update', table, where, complete, sets };
  }
  if (n.kind === 'DeleteQueryNode') {
    const from = (n.from as Node | undefined)?.froms as unknown[] | undefined;
    const table = nameOf(from?.[0]);
    if (table === undefined) return undefined;
    const complete = n.using === undefined && conditions(n.where, where);
    return { kind: 'delete', table, where, complete, sets: new Map() };
  }
  if (n.kind === 'InsertQueryNode') {
    const table = nameOf(n.into);
    if (table === undefined) return undefined;
    const columns = ((n.columns as Node[] | undefined) ?? []).map(nameOf);
    const lists = ((n.values as Node | undefined)?.values as Node[] | undefined) ?? [];
    const rule = n.onConflict as Node | undefined;
    const plain =
      n.onDuplicateKey === undefined &&
      (rule === undefined || (rule.updateWhere === undefined && rule.indexWhere === undefined));
    const sets = new Map<string, Predicted>();
    for (const u of (rule?.updates as Node[] | undefined) ?? []) {
      const column = nameOf(u.column);
      if (column !== undefined) sets.set(column, setValue(u.value as Node));
    }
    const conflict = rule === undefined ? undefined : { doNothing: rule.doNothing === true, sets };
    const rows: Record<string, unknown>[] = [];
    for (const list of lists) {
      const values =
        list.kind === 'PrimitiveValueListNode'
          ? (list.values as unknown[])
          : ((list.values as Node[] | undefined) ?? []).map((v) =>
              v.kind === 'ValueNode' ? v.value : UNKNOWN,
            );
      const row: Record<string, unknown> = {};
      for (const [i, c] of columns.entries()) if (c !== undefined) row[c] = values[i];
      rows.push(row);
    }
    return {
      kind: 'insert',
      table,
      where,
      complete: true,
      sets: new Map(),
      ...(plain ? { rows } : {}),
      ...(conflict === undefined ? {} : { conflict }),
    };
  }
  return undefined;
}

/** The Kysely plugin that notes each write of the running transaction into its image. */
export const writeImagePlugin: KyselyPlugin = {
  transformQuery({ node }) {
    const image = current.getStore();
    if (image !== undefined) {
      const entry = entryOf(node);
      if (entry !== undefined) image.writes.push(entry);
    }
    return node;
  },
  async transformResult({ result }): Promise<QueryResult<UnknownRow>> {
    return result;
  },
};
