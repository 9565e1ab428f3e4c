import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../../test/support/cli.js';
import { freshPlace, type TestPlace } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { USERS } from '../authz/access-bindings.js';
import type { Env } from '../config/settings.js';
import { expectOk, ok } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { locateStore } from '../storage/store.js';
import { transact } from '../storage/transact.js';

describe('trialvault users and tokens', () => {
  let place: TestPlace;
  afterEach(async () => place.cleanup());

  it('adds users, grants roles, creates and revokes tokens, disables users', async () => {
    place = await freshPlace('sqlite');
    const env: Env = { TRIALVAULT_DATA_DIR: join(place.dir, 'data'), TRIALVAULT_KEY_DIR: place.keyDir };
    expect((await cli(env, 'demo', '--seed', '1')).code).toBe(0);
    const passwordFile = join(place.dir, 'pw');
    writeFileSync(passwordFile, 'a long enough passphrase\n');
    const added = await cli(
      env,
      'users',
      'add',
      '--email',
      'Ann.Coord@Example.org',
      '--name',
      'Ann Coordinator',
      '--password-file',
      passwordFile,
      '--json',
    );
    expect(added.code).toBe(0);
    expect(JSON.parse(added.out).user).toMatchObject({ email: 'ann.coord@example.org', status: 'active' });
    const generated = await cli(env, 'users', 'add', '--email', 'bob@example.org', '--name', 'Bob');
    expect(generated.out).toMatch(/Initial password \(shown once\): \S{20,}/);
    const weak = await cli(
      env,
      'users',
      'add',
      '--email',
      'eve@example.org',
      '--name',
      'Eve',
      '--password-file',
      passwordFile.replace('pw', 'missing'),
    );
    expect(weak.code).toBe(1);
    expect(
      (
        await cli(
          env,
          'users',
          'grant',
          '--email',
          'ann.coord@example.org',
          '--role',
          'coordinator',
          '--study',
          'TV-DEMO-001',
          '--site',
          'S01',
        )
      ).code,
    ).toBe(0);
    const extra = await cli(
      env,
      'users',
      'grant',
      '--email',
      'bob@example.org',
      '--role',
      'monitor',
      '--study',
      'TV-DEMO-001',
      '--json',
    );
    const grantId = JSON.parse(extra.out).id as string;
    expect((await cli(env, 'users', 'revoke', grantId)).code).toBe(0);
    expect((await cli(env, 'users', 'revoke', grantId)).code).toBe(1);
    const badRole = await cli(
      env,
      'users',
      'grant',
      '--email',
      'ann.coord@example.org',
      '--role',
      'superuser',
      '--study',
      'TV-DEMO-001',
    );
    expect(badRole.code).toBe(1);
    const token = await cli(
      env,
      'tokens',
      'create',
      '--email',
      'ann.coord@example.org',
      '--study',
      'TV-DEMO-001',
      '--scopes',
      'study.read,record.read',
      '--expires',
      '7d',
      '--json',
    );
    expect(token.code).toBe(0);
    const { id, token: secret } = JSON.parse(token.out);
    expect(secret).toMatch(/^tvt_/);
    expect((await cli(env, 'tokens', 'revoke', id)).code).toBe(0);
    expect((await cli(env, 'tokens', 'revoke', id)).code).toBe(1);
    // 21 CFR 11.300(d): a second-factor lockout is lifted only by an administrator, audited.
    // The lock as the server writes it: the row change and its lockout event, which seals the row (#17).
    const location = locateStore(join(place.dir, 'data'), undefined);
    const vault = expectOk(await openVault(location, { keyDir: place.keyDir, passphrase: undefined }));
    await transact(vault.store.db, async (trx) => {
      const user = await trx
        .updateTable('users')
        .set({ mfa_locked_at: '2026-12-01T00:00:00.000Z', mfa_failures: 10 })
        .where('email', '=', 'ann.coord@example.org')
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAuditEvent(trx, vault.deps, {
        actor: { kind: 'user', id: user.id, mfa: false },
        action: 'auth.lockout',
        outcome: 'failure',
        target: user.id,
        details: { factor: 'second' },
        seals: [[USERS, [user.id]]],
      });
      return ok(null);
    });
    await vault.close();
    const unlocked = await cli(env, 'users', 'unlock', '--email', 'ann.coord@example.org', '--json');
    expect(unlocked.code).toBe(0);
    expect(JSON.parse(unlocked.out)).toMatchObject({ email: 'ann.coord@example.org', wasLocked: true });
    expect((await cli(env, 'users', 'unlock', '--email', 'ann.coord@example.org')).out).toMatch(
      /was not locked/,
    );
    expect((await cli(env, 'users', 'unlock', '--email', 'nobody@example.org')).code).toBe(1);
    expect((await cli(env, 'users', 'disable', '--email', 'ann.coord@example.org')).code).toBe(0);
    const list = JSON.parse((await cli(env, 'users', 'list', '--json')).out) as {
      email: string;
      status: string;
    }[];
    expect(list.find((u) => u.email === 'ann.coord@example.org')?.status).toBe('disabled');
    expect((await cli(env, 'verify')).code).toBe(0);
  });
});
