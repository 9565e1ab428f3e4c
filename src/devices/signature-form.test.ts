import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStrict } from './cbor.js';
import { ALG, parseSign1, publicKeyFromRaw, rawPublicKey, signSign1, verifySign1 } from './cose-sign1.js';
import { ED448_ORDER, ED25519_ORDER, isMalleableForm, P256_ORDER, toLowS } from './signature-form.js';

const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const leN = (n: bigint, len: number) => Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex').reverse();
const bigBE = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const bigLE = (b: Uint8Array) => bigBE(Uint8Array.from(b).reverse());
const message = Buffer.from('the same bytes');

/** Issue #12 finding 8: one signature per message and key, so a relay cannot make a second upload. */
describe('signature form: one accepted signature per signed message (RFC 9052 section 4, ASVS 1.1.1)', () => {
  it('ES256: node:crypto gives high S about half the time; toLowS keeps it valid and makes it low (property)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let high = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (data) => {
        const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        if (isMalleableForm('ES256', raw)) high++;
        const low = toLowS(raw);
        expect(isMalleableForm('ES256', low)).toBe(false);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, low)).toBe(true);
        // The other form verifies too (that is the malleability) and is the one refused.
        const other = Buffer.concat([low.subarray(0, 32), be32(P256_ORDER - bigBE(low.subarray(32)))]);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, other)).toBe(true);
        expect(isMalleableForm('ES256', other)).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(high).toBeGreaterThan(0);
  });

  it('the reference signer always writes low S, and verifySign1 refuses the high-S twin it would otherwise accept', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = publicKeyFromRaw(ALG.ES256, rawPublicKey(ALG.ES256, privateKey));
    if (key === undefined) throw new Error('no key');
    const aad = Buffer.from('binding');
    for (let i = 0; i < 100; i++) {
      const bytes = signSign1(privateKey, ALG.ES256, Buffer.from('device-1'), Buffer.from([i]), aad);
      const decoded = decodeStrict(bytes);
      const parsed = decoded.ok ? parseSign1(decoded.value, 'device') : undefined;
      if (parsed === undefined || !parsed.ok) throw new Error('did not parse');
      expect(isMalleableForm('ES256', parsed.value.signature)).toBe(false);
      expect(verifySign1(parsed.value, key, aad)).toBe(true);
      const s = bigBE(parsed.value.signature.subarray(32));
      const high = Buffer.concat([parsed.value.signature.subarray(0, 32), be32(P256_ORDER - s)]);
      expect(verifySign1({ ...parsed.value, signature: high }, key, aad)).toBe(false);
    }
  });

  it('Ed25519 and Ed448: S + L is refused by node:crypto (OpenSSL checks S < L) and named malleable here', () => {
    for (const [type, order, half] of [
      ['ed25519', ED25519_ORDER, 32],
      ['ed448', ED448_ORDER, 57],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ed25519');
      const signature = sign(null, message, privateKey);
      expect(isMalleableForm('EdDSA', signature)).toBe(false);
      const s = bigLE(signature.subarray(half));
      const shifted = Buffer.concat([signature.subarray(0, half), leN(s + order, half)]);
      // RFC 8032 sections 5.1.7 and 5.2.7: S must be below L. The runtime enforces it...
      expect(verify(null, message, publicKey, shifted), type).toBe(false);
      // ...and the server names it before verifying, should another runtime not.
      expect(isMalleableForm('EdDSA', shifted), type).toBe(true);
      expect(isMalleableForm('EdDSA', Buffer.concat([signature.subarray(0, half), leN(order, half)]))).toBe(
        true,
      );
      expect(
        isMalleableForm('EdDSA', Buffer.concat([signature.subarray(0, half), leN(order - 1n, half)])),
      ).toBe(false);
    }
  });

  it('wrong lengths are not a second form (verification refuses them); toLowS takes only r || s', () => {
    expect(isMalleableForm('ES256', new Uint8Array(63).fill(0xff))).toBe(false);
    expect(isMalleableForm('EdDSA', new Uint8Array(65).fill(0xff))).toBe(false);
    expect(() => toLowS(new Uint8Array(70))).toThrow();
    const edge = Buffer.concat([Buffer.alloc(32, 1), be32(P256_ORDER >> 1n)]);
    expect(isMalleableForm('ES256', edge)).toBe(false);
    expect(
      isMalleableForm('ES256', Buffer.concat([Buffer.alloc(32, 1), be32((P256_ORDER >> 1n) + 1n)])),
    ).toBe(true);
  });

  it('the top-byte shortcut agrees with the full comparison (property, biased to the boundary bytes)', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x3f, 0x7f, 0x10, 0xff));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 114, maxLength: 114 }), byte, byte, (raw, a, b) => {
        const es = Uint8Array.from(raw.subarray(0, 64));
        es[32] = a;
        expect(isMalleableForm('ES256', es)).toBe(bigBE(es.subarray(32)) > P256_ORDER >> 1n);
        const ed = Uint8Array.from(raw.subarray(0, 64));
        ed[63] = a;
        expect(isMalleableForm('EdDSA', ed)).toBe(bigLE(ed.subarray(32)) >= ED25519_ORDER);
        const ed448 = Uint8Array.from(raw);
        ed448[113] = a === 0x3f ? 0 : a % 2;
        ed448[112] = b;
        expect(isMalleableForm('EdDSA', ed448)).toBe(bigLE(ed448.subarray(57)) >= ED448_ORDER);
      }),
      { numRuns: 5000 },
    );
  });
});
