/** The functions of the logic language, with their arity (checked when parsing). */
export const FUNCTIONS = {
  if: [3, 3],
  round: [1, 2],
  abs: [1, 1],
  sqrt: [1, 1],
  min: [1, 50],
  max: [1, 50],
  sum: [1, 50],
  datediff: [3, 3],
  checked: [2, 2],
  isblank: [1, 1],
  ismissingcode: [1, 1],
  isblankormissingcode: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;
export type FunctionName = keyof typeof FUNCTIONS;

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}
