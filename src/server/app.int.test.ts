import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { buildApp } from './app.js';

for (const dialect of DIALECTS) {
  describe(`HTTP app (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('GET /healthz is 200 when the store answers and the key opens it', async () => {
      const app = await buildApp({ vault: t.vault });
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', store: 'ok', keys: 'ok' });
      await app.close();
    });

    it('GET /healthz is 503 KEY_UNAVAILABLE when the key check no longer opens', async () => {
      const app = await buildApp({ vault: t.vault });
      await t.vault.store.db
        .updateTable('meta')
        .set({ value: Buffer.alloc(40).toString('base64') })
        .where('key', '=', 'key_check')
        .execute();
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: { code: 'KEY_UNAVAILABLE', message: 'The master key does not open this store.' },
      });
      await app.close();
    });

    it('unknown routes and malformed requests get typed errors, never a 5xx', async () => {
      const app = await buildApp({ vault: t.vault });
      const missing = await app.inject({ method: 'GET', url: '/nope' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such resource.' } });
      const malformed = await app.inject({
        method: 'POST',
        url: '/healthz',
        headers: { 'content-type': 'application/json' },
        payload: '{bad',
      });
      expect(malformed.statusCode).toBeLessThan(500);
      await app.close();
    });
  });
}
