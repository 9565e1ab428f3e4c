import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('ASVS 11.4.2: argon2id with m=19 MiB, t=2, p=1; other parameters are flagged for rehash', async () => {
    const stored = await hashPassword('a long enough passphrase');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(stored)).toBe(false);
    const weaker = await hash('a long enough passphrase', { memoryCost: 8192, timeCost: 1, parallelism: 1 });
    expect(needsRehash(weaker)).toBe(true);
    expect(await verifyPassword(weaker, 'a long enough passphrase')).toBe(true);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('ASVS 6.2.1, 6.2.4, 6.2.11: length 12-128, common and personal passwords refused, no composition rules', () => {
    expect(passwordProblem('all lower case words')).toBeUndefined();
    expect(passwordProblem('ééééééééééé')).toBe('must be at least 12 characters');
    expect(passwordProblem('x'.repeat(129))).toBe('must be at most 128 characters');
    expect(passwordProblem('Password1234')).toBe('is too common');
    expect(passwordProblem('aaaaaaaaaaaaaa')).toBe('is too common');
    expect(passwordProblem('my name is marlowe!', ['zelda.marlowe@x.org', 'Marlowe'])).toBe(
      'must not contain your name or e-mail',
    );
  });
});
