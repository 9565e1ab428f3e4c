import type { z } from 'zod';

/** What JSON makes of a type: arrays and objects read-only, so a service's readonly views fit. */
type Frozen<O> = O extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : O extends object
    ? { readonly [K in keyof O]: Frozen<O[K]> }
    : O;

/** True when every T fits the schema's output and both name the same keys. */
type Fits<T, O> = [T] extends [Frozen<O>]
  ? [Exclude<keyof O, keyof T> | Exclude<keyof T, keyof O>] extends [never]
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
