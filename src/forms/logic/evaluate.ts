import type { BinaryOp, Expr } from './ast.js';
import type { MissingCode } from './missing-codes.js';

/**
 * A value in the logic language: null is blank; a missing-data code is its own kind of value; a
 * multichoice answer is the list of its ticked codes (never empty: nothing ticked is blank).
 */
export type LogicValue =
  | number
  | string
  | boolean
  | null
  | { readonly missing: MissingCode }
  | readonly string[];

export type LogicErrorCode = 'TYPE' | 'DIVISION_BY_ZERO' | 'NUMERIC' | 'UNKNOWN_FIELD' | 'ARITY' | 'DATE';
export interface LogicError {
  readonly kind: 'eval';
  readonly code: LogicErrorCode;
  readonly message: string;
}
export type Evaluation =
  | { readonly ok: true; readonly value: LogicValue }
  | { readonly ok: false; readonly error: LogicError };

/** The values an expression sees; undefined means the field does not exist. */
export type Lookup = (oid: string) => LogicValue | undefined;

class Stop {
  constructor(readonly error: LogicError) {}
}
const stop = (code: LogicErrorCode, message: string): never => {
  throw new Stop({ kind: 'eval', code, message });
};

const isCode = (v: LogicValue): v is { missing: MissingCode } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isList = (v: LogicValue): v is readonly string[] => Array.isArray(v);
const isAbsent = (v: LogicValue): v is null | { missing: MissingCode } => v === null || isCode(v);
const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** Numbers, yes/no (1/0, as REDCap) and numeric text (choice codes such as PHQ-9 scores) count as numbers. */
function toNumber(v: LogicValue, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return stop('TYPE', `${what} needs a number`);
}

function finite(n: number): number {
  return Number.isFinite(n)
    ? Object.is(n, -0)
      ? 0
      : n
    : stop('NUMERIC', 'the result is not a finite number');
}

function truth(v: LogicValue, what: string): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (isCode(v)) return null;
  return stop('TYPE', `${what} needs true or false`);
}

/**
 * Equality is total: blank equals blank and "", a code equals itself, numbers match numeric text, a list
 * of ticked codes equals a list of the same codes (and nothing else).
 */
function equal(a: LogicValue, b: LogicValue): boolean {
  if (a === null || b === null) return (a === null || a === '') && (b === null || b === '');
  if (isList(a) || isList(b)) return isList(a) && isList(b) && sameCodes(a, b);
  if (isCode(a) || isCode(b)) return isCode(a) && isCode(b) && a.missing === b.missing;
  if (typeof a === typeof b) return a === b;
  if (typeof a === 'string' || typeof b === 'string') {
    const [s, o] = typeof a === 'string' ? [a, b] : [b as string, a];
    if (typeof o === 'boolean') return s === (o ? '1' : '0') || s.toLowerCase() === String(o);
    return NUMERIC.test(s) && Number(s) === o;
  }
  return toNumber(a, '=') === toNumber(b, '=');
}

function order(op: BinaryOp, a: LogicValue, b: LogicValue): boolean | null {
  if (isAbsent(a) || isAbsent(b)) return null;
  let c: number;
  if (typeof a === 'string' && typeof b === 'string' && !(NUMERIC.test(a) && NUMERIC.test(b))) {
    // ISO dates and times order as text.
    c = a < b ? -1 : a > b ? 1 : 0;
  } else {
    if (typeof a === 'boolean' || typeof b === 'boolean')
      return stop('TYPE', `${op} compares numbers or dates`);
    c = toNumber(a, op) - toNumber(b, op);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

function arithmetic(op: BinaryOp, a: LogicValue, b: LogicValue): LogicValue {
  if (isAbsent(a) || isAbsent(b)) return null;
  const [x, y] = [toNumber(a, op), toNumber(b, op)];
  switch (op) {
    case '+':
      return finite(x + y);
    case '-':
      return finite(x - y);
    case '*':
      return finite(x * y);
    case '/':
      return y === 0 ? stop('DIVISION_BY_ZERO', 'division by zero') : finite(x / y);
    default:
      return finite(x ** y);
  }
}

/** Days (fractional) since 1970-01-01 UTC of an ISO date or date-time; the zone offset is ignored. */
function days(v: LogicValue): number | null {
  if (isAbsent(v)) return null;
  const m = typeof v === 'string' ? ISO_DATE.exec(v) : null;
  if (m === null) return stop('DATE', 'datediff needs dates as YYYY-MM-DD');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return stop('DATE', 'not a calendar date');
  return ms / 86_400_000;
}

function sameCodes(a: readonly string[], b: readonly string[]): boolean {
  const [x, y] = [[...new Set(a)].sort(), [...new Set(b)].sort()];
  return x.length === y.length && x.every((c, i) => c === y[i]);
}

/**
 * checked(x, code): whether a multichoice answer has the code ticked; on a single choice, whether it is
 * that code. Nothing ticked (blank) is false, as an unticked box; a missing-data code gives blank.
 */
function checked(x: LogicValue, code: LogicValue): LogicValue {
  if (isCode(x) || isAbsent(code)) return null;
  const wanted = typeof code === 'number' ? String(code) : code;
  if (typeof wanted !== 'string') return stop('TYPE', 'checked needs a choice code as its second argument');
  if (x === null) return false;
  if (isList(x)) return x.includes(wanted);
  if (typeof x === 'string') return x === wanted;
  if (typeof x === 'number') return String(x) === wanted;
  return stop('TYPE', 'checked needs a choice or multichoice field');
}

const UNIT_DAYS: Readonly<Record<string, number>> = { d: 1, w: 7, m: 30.44, y: 365.2425, h: 1 / 24 };

function call(fn: string, args: readonly Expr[], env: Lookup): LogicValue {
  const arg = (i: number): LogicValue =>
    i < args.length ? value(args[i] as Expr, env) : stop('ARITY', `${fn} is missing an argument`);
  switch (fn) {
    case 'if': {
      const c = truth(arg(0), 'if');
      return c === true ? arg(1) : arg(2);
    }
    case 'round': {
      const x = arg(0);
      const digits = args.length > 1 ? arg(1) : 0;
      if (isAbsent(x) || isAbsent(digits)) return null;
      const d = toNumber(digits, 'round');
      if (!Number.isInteger(d) || d < 0 || d > 10) return stop('TYPE', 'round takes 0 to 10 digits');
      const f = 10 ** d;
      return finite(Math.round(toNumber(x, 'round') * f) / f);
    }
    case 'abs': {
      const x = arg(0);
      return isAbsent(x) ? null : finite(Math.abs(toNumber(x, 'abs')));
    }
    case 'sqrt': {
      const x = arg(0);
      if (isAbsent(x)) return null;
      const n = toNumber(x, 'sqrt');
      return n < 0 ? stop('NUMERIC', 'sqrt of a negative number') : finite(Math.sqrt(n));
    }
    case 'min':
    case 'max':
    case 'sum': {
      // As REDCap: blanks and codes are left out; all blank gives blank.
      const ns = args
        .map((_, i) => arg(i))
        .filter((v) => !isAbsent(v))
        .map((v) => toNumber(v, fn));
      if (ns.length === 0) return null;
      return finite(
        fn === 'min' ? Math.min(...ns) : fn === 'max' ? Math.max(...ns) : ns.reduce((s, n) => s + n, 0),
      );
    }
    case 'datediff': {
      const [a, b, unit] = [days(arg(0)), days(arg(1)), arg(2)];
      if (a === null || b === null) return null;
      const per = typeof unit === 'string' ? UNIT_DAYS[unit] : undefined;
      if (per === undefined) return stop('TYPE', 'datediff unit is "d", "w", "m", "y" or "h"');
      return finite((b - a) / per);
    }
    case 'checked':
      return checked(arg(0), arg(1));
    case 'isblank':
      return arg(0) === null || arg(0) === '';
    case 'ismissingcode':
      return isCode(arg(0));
    case 'isblankormissingcode': {
      const v = arg(0);
      return v === null || v === '' || isCode(v);
    }
    default:
      return stop('ARITY', `unknown function ${fn}`);
  }
}

function value(expr: Expr, env: Lookup): LogicValue {
  switch (expr.k) {
    case 'num':
      return finite(expr.v);
    case 'str':
    case 'bool':
      return expr.v;
    case 'missing':
      return { missing: expr.code };
    case 'field': {
      const v = env(expr.oid);
      if (v === undefined) return stop('UNKNOWN_FIELD', `unknown field ${expr.oid}`);
      // A value that is not a finite number (never stored, but a client may send one) is an error,
      // never a result: evaluation stays total and identical everywhere.
      return typeof v === 'number' ? finite(v) : v;
    }
    case 'not': {
      const t = truth(value(expr.e, env), 'not');
      return t === null ? null : !t;
    }
    case 'neg': {
      const v = value(expr.e, env);
      return isAbsent(v) ? null : finite(-toNumber(v, '-'));
    }
    case 'call':
      return call(expr.fn, expr.args, env);
    case 'bin':
      return binary(expr.op, expr.l, expr.r, env);
  }
}

function binary(op: BinaryOp, l: Expr, r: Expr, env: Lookup): LogicValue {
  if (op === 'and' || op === 'or') {
    // Kleene logic: a known false (and) or true (or) decides, whatever the other side holds.
    const a = truth(value(l, env), op);
    if (a === (op === 'or')) return a;
    const b = truth(value(r, env), op);
    if (b === (op === 'or')) return b;
    return a === null || b === null ? null : a;
  }
  const [a, b] = [value(l, env), value(r, env)];
  if (op === '=') return equal(a, b);
  if (op === '<>') return !equal(a, b);
  if (op === '<' || op === '<=' || op === '>' || op === '>=') return order(op, a, b);
  return arithmetic(op, a, b);
}

/**
 * Evaluates an AST. Total: every input gives a value or a typed error, never an exception (a property
 * test holds this), so neither the server nor the browser can be made to fail by a definition.
 */
export function evaluate(expr: Expr, env: Lookup): Evaluation {
  try {
    return { ok: true, value: value(expr, env) };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, error: e.error };
    return {
      ok: false,
      error: { kind: 'eval', code: 'NUMERIC', message: 'the expression could not be evaluated' },
    };
  }
}
