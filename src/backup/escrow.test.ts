import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combine } from 'shamir-secret-sharing';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOk } from '../core/result.js';
import { escrowShares, recoverFromShares, writeShareFiles } from './escrow.js';
import { bundleBytes, type KeyBundle } from './key-bundle.js';

const bundle = (masterKey: string): KeyBundle => ({
  format: 'trialvault-key-bundle-v1',
  storeId: 'store-1',
  keyMode: 'file',
  masterKey,
  wrapped: { keyCheck: 'a', blindIndexRoot: 'b', ledgerMacKey: 'c' },
  ledgerSigningKey: String(
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }),
  ),
});

describe('key escrow (Shamir shares of the key bundle)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-escrow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('K shares recover the keys, whichever K; K-1 shares recover nothing (ASVS 11.2.x key management; ICH E6(R3) 4.3.3)', async () => {
    const secret = bundle(Buffer.alloc(32, 7).toString('base64'));
    const shares = expectOk(await escrowShares(secret, 5, 3));
    const files = expectOk(writeShareFiles(join(dir, 'a'), shares));
    expect(expectOk(await recoverFromShares([files[0], files[2], files[4]] as string[]))).toEqual(secret);
    expect(expectOk(await recoverFromShares([files[3], files[1], files[0]] as string[]))).toEqual(secret);

    // NEGATIVE: two shares of a 3-of-5 split are refused, and combining them anyway gives nothing of the bundle.
    const refused = await recoverFromShares([files[0], files[1]] as string[]);
    expect(refused.ok).toBe(false);
    const forced = await combine(
      shares.slice(0, 2).map((s) => new Uint8Array(Buffer.from(s.share, 'base64'))),
    );
    const plain = bundleBytes(secret);
    expect(Buffer.from(forced).equals(plain)).toBe(false);
    expect(Buffer.from(forced).includes(Buffer.from(secret.masterKey ?? ''))).toBe(false);
    // NEGATIVE: K-1 shares are independent of the secret: the same two share positions of splits of two
    // different bundles are as different from each other as from a split of the same bundle.
    const other = expectOk(await escrowShares(bundle(Buffer.alloc(32, 9).toString('base64')), 5, 3));
    for (const s of [...shares.slice(0, 2), ...other.slice(0, 2)]) {
      const bytes = Buffer.from(s.share, 'base64');
      expect(bytes.includes(Buffer.from(secret.masterKey ?? '', 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from('trialvault-key-bundle-v1'))).toBe(false);
    }
  });

  it('NEGATIVE: shares from different splits, a duplicated share and a damaged share do not combine', async () => {
    const one = expectOk(writeShareFiles(join(dir, 'b'), expectOk(await escrowShares(bundle('x'), 3, 2))));
    const two = expectOk(writeShareFiles(join(dir, 'c'), expectOk(await escrowShares(bundle('x'), 3, 2))));
    expect((await recoverFromShares([one[0], two[1]] as string[])).ok).toBe(false);
    expect((await recoverFromShares([one[0], one[0]] as string[])).ok).toBe(false);
    expect((await recoverFromShares([one[0], join(dir, 'missing.json')] as string[])).ok).toBe(false);
    expect((await escrowShares(bundle('x'), 2, 3)).ok).toBe(false);
  });
});
