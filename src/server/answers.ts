import { z } from 'zod';

/** What JSON makes of a type: arrays and objects read-only, so a service's readonly views fit. */
type Frozen<O> = O extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : O extends object
    ? { readonly [K in keyof O]: Frozen<O[K]> }
    : O;

/** True when every T fits the schema's output and the schema names no key that T lacks. */
type Fits<T, O> = [T] extends [Frozen<O>]
  ? [Exclude<keyof O, keyof T>] extends [never]
    ? true
    : false
  : false;

/**
 * An answer schema checked at compile time against the service's answer type T (a `*-view.ts` type):
 * every answer fits the schema and both name the same fields, so the OpenAPI document cannot drift
 * from what is answered (issue #14). Answers are not re-validated at run time.
 */
export function describes<T>() {
  return <S extends z.ZodType>(schema: S, ..._fits: Fits<T, z.output<S>> extends true ? [] : [never]): S =>
    schema;
}

/** One page of a list (server/pagination.ts). */
export function pageOf<S extends z.ZodType>(item: S) {
  return z.strictObject({
    items: z.array(item),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int().optional().describe('How many there are in all, when known'),
  });
}

/** A list answered whole (small by nature, or already bounded). */
export function itemsOf<S extends z.ZodType>(item: S) {
  return z.strictObject({ items: z.array(item) });
}

export const timestamp = z.string().describe('UTC, ISO 8601');
export const idAnswer = z.strictObject({ id: z.string() });
/** An answer that carries nothing (the change is done): JSON null. */
export const nothing = z.null();
