import { z } from 'zod';

export { describes } from '../core/describes.js';

/** One page of a list (http/pagination.ts). */
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
