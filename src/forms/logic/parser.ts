import type { BinaryOp, Expr } from './ast.js';
import { FUNCTIONS, isFunctionName } from './functions.js';
import { isMissingCode } from './missing-codes.js';
import { isSyntaxError, type LogicSyntaxError, syntaxError } from './syntax-error.js';
import { type Token, tokenize } from './tokenizer.js';

export const MAX_EXPRESSION_LENGTH = 2000;
/** Bounds recursion, so a hostile definition cannot exhaust the stack of the server or the browser. */
const MAX_DEPTH = 40;
const COMPARE = new Set(['=', '<>', '<', '<=', '>', '>=']);

class Fail {
  constructor(readonly error: LogicSyntaxError) {}
}

/**
 * Recursive descent over the grammar of docs/logic.md. Returns the AST or a syntax error naming the
 * column; never evaluates anything (no eval, no Function).
 */
export function parseExpression(source: string): Expr | LogicSyntaxError {
  if (source.length > MAX_EXPRESSION_LENGTH)
    return syntaxError(MAX_EXPRESSION_LENGTH, `expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(source);
  if (isSyntaxError(tokens)) return tokens;
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos] ?? { t: 'end', at: source.length };
  const fail = (at: number, reason: string): never => {
    throw new Fail(syntaxError(at, reason));
  };
  const isOp = (v: string) => {
    const tok = peek();
    return tok.t === 'op' && tok.v === v;
  };
  const isWord = (v: string) => {
    const tok = peek();
    return tok.t === 'word' && tok.v.toLowerCase() === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) fail(peek().at, `expected "${v}"`);
    pos++;
  };
  const nested = <T>(at: number, f: () => T): T => {
    if (++depth > MAX_DEPTH) fail(at, 'expression nested too deeply');
    const result = f();
    depth--;
    return result;
  };
  const binary = (op: BinaryOp, l: Expr, r: Expr): Expr => ({ k: 'bin', op, l, r });

  const or = (): Expr =>
    nested(peek().at, () => {
      let left = and();
      while (isWord('or')) {
        pos++;
        left = binary('or', left, and());
      }
      return left;
    });
  const and = (): Expr => {
    let left = not();
    while (isWord('and')) {
      pos++;
      left = binary('and', left, not());
    }
    return left;
  };
  const not = (): Expr => {
    if (isWord('not')) {
      const at = peek().at;
      pos++;
      return nested(at, () => ({ k: 'not', e: not() }));
    }
    return comparison();
  };
  const comparison = (): Expr => {
    const left = additive();
    const tok = peek();
    if (tok.t === 'op' && COMPARE.has(tok.v)) {
      pos++;
      const result = binary(tok.v as BinaryOp, left, additive());
      const next = peek();
      if (next.t === 'op' && COMPARE.has(next.v)) fail(next.at, 'comparisons do not chain; use and');
      return result;
    }
    return left;
  };
  const additive = (): Expr => {
    let left = multiplicative();
    for (let tok = peek(); tok.t === 'op' && (tok.v === '+' || tok.v === '-'); tok = peek()) {
      pos++;
      left = binary(tok.v, left, multiplicative());
    }
    return left;
  };
  const multiplicative = (): Expr => {
    let left = unary();
    for (let tok = peek(); tok.t === 'op' && (tok.v === '*' || tok.v === '/'); tok = peek()) {
      pos++;
      left = binary(tok.v, left, unary());
    }
    return left;
  };
  const unary = (): Expr => {
    if (isOp('-')) {
      const at = peek().at;
      pos++;
      return nested(at, () => ({ k: 'neg', e: unary() }));
    }
    return power();
  };
  const power = (): Expr => {
    const base = primary();
    if (isOp('^')) {
      const at = peek().at;
      pos++;
      return nested(at, () => binary('^', base, unary()));
    }
    return base;
  };
  const primary = (): Expr => {
    const tok = peek();
    switch (tok.t) {
      case 'num':
        pos++;
        return { k: 'num', v: tok.v };
      case 'str':
        pos++;
        return { k: 'str', v: tok.v };
      case 'field':
        pos++;
        return { k: 'field', oid: tok.v };
      case 'word':
        return word(tok);
      case 'op':
        if (tok.v === '(') {
          pos++;
          const inner = or();
          expect(')');
          return inner;
        }
        return fail(tok.at, `unexpected "${tok.v}"`);
      case 'end':
        return fail(tok.at, 'unexpected end of expression');
    }
  };
  const word = (tok: Token & { t: 'word' }): Expr => {
    pos++;
    const lower = tok.v.toLowerCase();
    if (lower === 'true' || lower === 'false') return { k: 'bool', v: lower === 'true' };
    if (isMissingCode(tok.v)) return { k: 'missing', code: tok.v };
    if (!isOp('(')) return fail(tok.at, `unknown name "${tok.v}" (fields are written [NAME])`);
    if (!isFunctionName(lower)) return fail(tok.at, `unknown function "${tok.v}"`);
    pos++;
    const args: Expr[] = [];
    if (!isOp(')')) {
      args.push(or());
      while (isOp(',')) {
        pos++;
        args.push(or());
      }
    }
    expect(')');
    const [lo, hi] = FUNCTIONS[lower];
    if (args.length < lo || args.length > hi)
      fail(tok.at, `${lower} takes ${lo === hi ? lo : `${lo} to ${hi}`} arguments, not ${args.length}`);
    return { k: 'call', fn: lower, args };
  };

  try {
    const expr = or();
    const rest = peek();
    if (rest.t !== 'end') fail(rest.at, 'unexpected text after the expression');
    return expr;
  } catch (e) {
    if (e instanceof Fail) return e.error;
    // A RangeError (stack) cannot happen within MAX_DEPTH; anything else is reported, not thrown.
    return syntaxError(0, 'expression could not be parsed');
  }
}
