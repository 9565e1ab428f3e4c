import type { Expr } from './ast.js';

/**
 * Prints an AST back to source. Every operator is parenthesized, so parsing the output gives the same
 * AST (a property test holds this); number literals are never negative in an AST (negation is a node).
 */
export function printExpression(expr: Expr): string {
  switch (expr.k) {
    case 'num':
      return String(expr.v);
    case 'str':
      return `"${expr.v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'bool':
      return expr.v ? 'true' : 'false';
    case 'missing':
      return expr.code;
    case 'field':
      return `[${expr.oid}]`;
    case 'not':
      return `(not ${printExpression(expr.e)})`;
    case 'neg':
      return `(-${printExpression(expr.e)})`;
    case 'bin':
      return `(${printExpression(expr.l)} ${expr.op} ${printExpression(expr.r)})`;
    case 'call':
      return `${expr.fn}(${expr.args.map(printExpression).join(', ')})`;
  }
}
