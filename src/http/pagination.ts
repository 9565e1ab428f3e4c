import { z } from 'zod';
import { ok, type Result } from '../core/result.js';

const DEFAULT_LIMIT = 100;

/** `limit` and `offset` on every list (ASVS 2.4: bounded answers); at most 1,000 items a page. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
});

export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
  readonly items: T[];
  readonly limit: number;
  readonly offset: number;
  /** How many there are in all, when known. */
  readonly total?: number;
}

export function pageBounds(query: PageQuery): { limit: number; offset: number } {
  return { limit: query.limit ?? DEFAULT_LIMIT, offset: query.offset ?? 0 };
}

/** One page of a list that is small by nature (sites, forms, a record's versions), cut after loading. */
export function page<T>(items: readonly T[], query: PageQuery): Page<T> {
  const { limit, offset } = pageBounds(query);
  return { items: items.slice(offset, offset + limit), limit, offset, total: items.length };
}

/** A service's list result as one page of it; a failure passes through unchanged. */
export async function paged<T>(
  list: Promise<Result<readonly T[]>>,
  query: PageQuery,
): Promise<Result<Page<T>>> {
  const result = await list;
  return result.ok ? ok(page(result.value, query)) : result;
}
