export const DIALECT_NAMES = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECT_NAMES)[number];
