import type { FieldValue } from '../../core/field-value.js';
import type { FormDefinition } from '../form-definition.js';
import { type Expr, fieldsOf } from './ast.js';
import { type Evaluation, evaluate, type LogicValue } from './evaluate.js';
import { isMissingCode } from './missing-codes.js';
import { parseExpression } from './parser.js';
import { isSyntaxError } from './syntax-error.js';

/** What a definition-time check reports: a path into the definition and a message naming the field. */
export interface LogicProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const cache = new Map<string, Expr | null>();
/** Parses through a small cache (definitions are re-read per request); a bad source gives null. */
export function compiled(source: string): Expr | null {
  let expr = cache.get(source);
  if (expr === undefined) {
    const parsed = parseExpression(source);
    expr = isSyntaxError(parsed) ? null : parsed;
    if (cache.size > 5000) cache.clear();
    cache.set(source, expr);
  }
  return expr;
}

type Logic = Pick<FormDefinition, 'fields' | 'checks'>;

/**
 * Definition-time rules (docs/logic.md#rules): every expression parses, names only fields of this
 * form, and only clinical ones (a protected value must not flow through logic into a clear calculated
 * field, a browser-side evaluation or a check message); a calculated field is clinical, has no show
 * condition, and calculations do not form a cycle.
 */
export function checkFormLogic(form: Logic): LogicProblem[] {
  const problems: LogicProblem[] = [];
  const byOid = new Map(form.fields.map((f) => [f.oid, f]));
  const refs = (source: string, path: (string | number)[], owner: string, self?: string): string[] => {
    const parsed = parseExpression(source);
    if (isSyntaxError(parsed)) {
      problems.push({ path, message: `${owner}: the expression does not parse: ${parsed.message}` });
      return [];
    }
    for (const [oid, code] of checkedCodes(parsed)) {
      const target = byOid.get(oid);
      if (target !== undefined && !(target.choices ?? []).some((c) => c.code === code))
        problems.push({ path, message: `${owner}: "${code}" is not a choice of [${oid}]` });
    }
    const names = fieldsOf(parsed);
    for (const name of names) {
      const target = byOid.get(name);
      if (target === undefined)
        problems.push({ path, message: `${owner}: [${name}] is not a field of this form` });
      else if (target.class !== 'clinical')
        problems.push({
          path,
          message: `${owner}: [${name}] is of class ${target.class}; expressions may name only clinical fields`,
        });
      else if (name === self)
        problems.push({ path, message: `${owner}: an expression may not name its own field` });
    }
    return names;
  };
  const calcDeps = new Map<string, string[]>();
  form.fields.forEach((field, i) => {
    if (field.show !== undefined) refs(field.show, ['fields', i, 'show'], `show of ${field.oid}`, field.oid);
    if (field.calc !== undefined) {
      const path = ['fields', i, 'calc'];
      calcDeps.set(field.oid, refs(field.calc, path, `calc of ${field.oid}`, field.oid));
      if (field.class !== 'clinical')
        problems.push({ path, message: `calc of ${field.oid}: a calculated field must be clinical` });
      if (field.show !== undefined)
        problems.push({
          path,
          message: `calc of ${field.oid}: a calculated field cannot also have a show condition`,
        });
    }
    for (const choice of field.choices ?? [])
      if (isMissingCode(choice.code))
        problems.push({
          path: ['fields', i, 'choices'],
          message: `${field.oid}: ${choice.code} is a reserved missing-data code`,
        });
  });
  const ids = new Set<string>();
  (form.checks ?? []).forEach((check, i) => {
    if (ids.has(check.id))
      problems.push({ path: ['checks', i, 'id'], message: `duplicate check ${check.id}` });
    ids.add(check.id);
    refs(check.expr, ['checks', i, 'expr'], `check ${check.id}`);
  });
  if (calcOrder(calcDeps) === null)
    problems.push({ path: ['fields'], message: 'calculated fields depend on each other in a cycle' });
  return problems;
}

/** Every checked([FIELD], literal) of an expression, as [field, code]. */
function checkedCodes(expr: Expr, into: [string, string][] = []): [string, string][] {
  if (expr.k === 'not' || expr.k === 'neg') checkedCodes(expr.e, into);
  else if (expr.k === 'bin') {
    checkedCodes(expr.l, into);
    checkedCodes(expr.r, into);
  } else if (expr.k === 'call') {
    const [x, code] = expr.args;
    if (expr.fn === 'checked' && x?.k === 'field' && (code?.k === 'str' || code?.k === 'num'))
      into.push([x.oid, String(code.v)]);
    for (const a of expr.args) checkedCodes(a, into);
  }
  return into;
}

/** Calculated fields in dependency order, or null on a cycle. */
function calcOrder(deps: ReadonlyMap<string, readonly string[]>): string[] | null {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (oid: string): boolean => {
    if (state.get(oid) === 'done') return true;
    if (state.get(oid) === 'visiting') return false;
    state.set(oid, 'visiting');
    for (const d of deps.get(oid) ?? []) if (deps.has(d) && !visit(d)) return false;
    state.set(oid, 'done');
    order.push(oid);
    return true;
  };
  for (const oid of deps.keys()) if (!visit(oid)) return null;
  return order;
}

/** A stored or entered value as the logic sees it: blank is null, a reserved code is a missing value. */
export function logicValue(value: FieldValue | undefined | null): LogicValue {
  if (value === undefined || value === null || value === '') return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value;
  if (isMissingCode(value)) return { missing: value };
  return value;
}

/** The inverse of logicValue: a logic result as a field value (blank is undefined). */
export function fieldValueOf(value: LogicValue): FieldValue | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && 'missing' in value) return value.missing;
  return value as FieldValue;
}

export interface CheckOutcome {
  readonly id: string;
  readonly message: string;
  readonly fields: readonly string[];
  /** fail: the expression is false; error: it cannot be evaluated (named in `reason`). */
  readonly status: 'pass' | 'fail' | 'error';
  readonly reason?: string;
}

export interface LogicOutcome {
  /** Fields whose show condition does not hold (their value must be empty). */
  readonly hidden: ReadonlySet<string>;
  /** Calculated values: a value, null (blank) or an error message. */
  readonly calcs: ReadonlyMap<string, { value: LogicValue } | { error: string }>;
  readonly checks: readonly CheckOutcome[];
}

/**
 * Applies a form's logic to a set of values, the same in the browser (live) and on the server (the
 * authority, src/forms/validate-values.ts). Calculations first (in dependency order, on the entered
 * values), then show conditions, then checks, each seeing hidden fields as blank.
 */
export function applyFormLogic(
  form: Logic,
  values: Readonly<Record<string, FieldValue | undefined>>,
): LogicOutcome {
  const known = new Set(form.fields.map((f) => f.oid));
  const current = new Map<string, LogicValue>();
  for (const oid of known) current.set(oid, logicValue(values[oid]));
  const env = (oid: string) => (known.has(oid) ? (current.get(oid) ?? null) : undefined);
  const run = (source: string): Evaluation => {
    const expr = compiled(source);
    return expr === null
      ? { ok: false, error: { kind: 'eval', code: 'TYPE', message: 'the expression does not parse' } }
      : evaluate(expr, env);
  };
  const calcFields = form.fields.filter((f) => f.calc !== undefined);
  const deps = new Map(
    calcFields.map((f) => [f.oid, fieldsOf(compiled(f.calc ?? '') ?? { k: 'bool', v: true })]),
  );
  const calcs = new Map<string, { value: LogicValue } | { error: string }>();
  for (const oid of calcOrder(deps) ?? []) {
    const result = run(form.fields.find((f) => f.oid === oid)?.calc ?? '');
    calcs.set(oid, result.ok ? { value: result.value } : { error: result.error.message });
    current.set(oid, result.ok ? result.value : null);
  }
  const hidden = new Set<string>();
  for (const field of form.fields) {
    if (field.show === undefined) continue;
    const result = run(field.show);
    // Blank or false hides; an error shows the field, so no entered value is refused by a bad condition.
    if (result.ok && result.value !== true && !(typeof result.value === 'number' && result.value !== 0))
      hidden.add(field.oid);
  }
  for (const oid of hidden) current.set(oid, null);
  const checks = (form.checks ?? []).map((check): CheckOutcome => {
    const fields = fieldsOf(compiled(check.expr) ?? { k: 'bool', v: true });
    const base = { id: check.id, message: check.message, fields };
    const result = run(check.expr);
    if (!result.ok) return { ...base, status: 'error', reason: result.error.message };
    // A check on blank values passes: edit checks judge entered data, "required" judges absence.
    return { ...base, status: result.value === false ? 'fail' : 'pass' };
  });
  return { hidden, calcs, checks };
}
