/** An expression that does not parse: where (0-based offset) and why. Never thrown to callers. */
export interface LogicSyntaxError {
  readonly kind: 'syntax';
  readonly position: number;
  readonly message: string;
}

export function syntaxError(position: number, reason: string): LogicSyntaxError {
  return { kind: 'syntax', position, message: `${reason} at column ${position + 1}` };
}

export function isSyntaxError(value: unknown): value is LogicSyntaxError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'syntax';
}
