import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describes } from './describes.js';

interface View {
  readonly id: string;
  readonly tags: readonly string[];
  readonly note?: string;
  readonly at: string | null;
}

// The checks are the compiler's: each @ts-expect-error fails the typecheck if the drift is accepted.
describe('describes()', () => {
  it('accepts a schema of exactly the answer type (readonly arrays, optional and null fields)', () => {
    const schema = describes<View>()(
      z.strictObject({
        id: z.string(),
        tags: z.array(z.string()),
        note: z.string().optional(),
        at: z.string().nullable(),
      }),
    );
    expect(schema.parse({ id: 'a', tags: [], at: null })).toEqual({ id: 'a', tags: [], at: null });
  });

  it('refuses a schema that leaves a field out, invents one, or types one otherwise', () => {
    // @ts-expect-error `at` is answered but not described
    describes<View>()(
      z.strictObject({ id: z.string(), tags: z.array(z.string()), note: z.string().optional() }),
    );
    // @ts-expect-error `extra` is described but never answered
    describes<View>()(
      z.strictObject({
        id: z.string(),
        tags: z.array(z.string()),
        note: z.string().optional(),
        at: z.string().nullable(),
        extra: z.string(),
      }),
    );
    // @ts-expect-error `id` is a string, not a number
    describes<View>()(
      z.strictObject({
        id: z.number(),
        tags: z.array(z.string()),
        note: z.string().optional(),
        at: z.string().nullable(),
      }),
    );
    expect(true).toBe(true);
  });
});
