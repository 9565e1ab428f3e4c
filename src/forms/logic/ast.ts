/**
 * The abstract syntax of the form logic language (docs/logic.md). Node-free: the web app bundles it,
 * so the browser and the server evaluate the same code (issue #15, item 5).
 */
import type { MissingCode } from './missing-codes.js';

export const COMPARISONS = ['=', '<>', '<', '<=', '>', '>='] as const;
export const ARITHMETIC = ['+', '-', '*', '/', '^'] as const;
export const LOGICAL = ['and', 'or'] as const;
export type BinaryOp = (typeof COMPARISONS)[number] | (typeof ARITHMETIC)[number] | (typeof LOGICAL)[number];

export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'missing'; readonly code: MissingCode }
  | { readonly k: 'field'; readonly oid: string }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'neg'; readonly e: Expr }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[] };

/** Every field an expression names, in first-seen order. */
export function fieldsOf(expr: Expr, into: string[] = []): string[] {
  switch (expr.k) {
    case 'field':
      if (!into.includes(expr.oid)) into.push(expr.oid);
      break;
    case 'not':
    case 'neg':
      fieldsOf(expr.e, into);
      break;
    case 'bin':
      fieldsOf(expr.l, into);
      fieldsOf(expr.r, into);
      break;
    case 'call':
      for (const a of expr.args) fieldsOf(a, into);
      break;
    default:
      break;
  }
  return into;
}
