import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshVault, type TestVault } from '../../test/support/stores.js';
import { buildApp } from './app.js';

interface Operation {
  readonly parameters?: readonly { readonly in: string }[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: object }> };
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: object }> }>;
}

/** A schema that says nothing: missing, `{}` (z.unknown()) or `{}` with only a description. */
function blind(schema: object | undefined): boolean {
  if (schema === undefined) return true;
  return Object.keys(schema).filter((k) => k !== 'description' && k !== '$schema').length === 0;
}

/** What is wrong with one operation's description, if anything. */
function gaps(method: string, op: Operation): string[] {
  const found: string[] = [];
  // Every unsafe method takes a body (an empty one is declared as such): its schema must be known.
  if (method !== 'get' && method !== 'delete') {
    const content = Object.values(op.requestBody?.content ?? {});
    if (content.length === 0 || content.some((c) => blind(c.schema))) found.push('request body');
  }
  for (const part of op.parameters ?? []) if (!('schema' in part)) found.push(`${part.in} parameter`);
  const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
  if (success.length === 0) found.push('success answer');
  for (const [status, answer] of success) {
    const content = Object.values(answer.content ?? {});
    if (content.length === 0 || content.some((c) => blind(c.schema))) found.push(`${status} answer`);
  }
  return found;
}

// ASVS 2.1.1 (documented input rules) and 2.2.1 (validated structure): the OpenAPI document describes
// every request and every success answer, so a client and a reviewer see the whole contract (issue #14).
describe('the OpenAPI document', () => {
  let t: TestVault;
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    t = await freshVault('sqlite');
    app = await buildApp({ vault: t.vault });
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  it('ASVS 2.1.1: has a request schema and a success-answer schema for every operation', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const offenders = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const missing = gaps(method, op);
        return missing.length === 0 ? [] : [`${method.toUpperCase()} ${path}: ${missing.join(', ')}`];
      }),
    );
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    expect(offenders).toEqual([]);
  });
});
