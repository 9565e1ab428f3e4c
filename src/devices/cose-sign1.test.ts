import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as cbor2Encode, cdeEncodeOptions } from 'cbor2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStrict, encode } from './cbor.js';
import { ALG, parseSign1, publicKeyFromRaw, rawPublicKey, signSign1, verifySign1 } from './cose-sign1.js';

const VECTORS = new URL('../../../shared/vectors/cose/', import.meta.url).pathname;

interface Vector {
  title: string;
  fail?: boolean;
  input: {
    sign0?: {
      key: { kty: string; crv: string; x?: string; y?: string; x_hex?: string };
      external?: string;
    };
  };
  output: { cbor: string };
}

function keyOf(vector: Vector): KeyObject {
  const key = vector.input.sign0?.key;
  if (key === undefined) throw new Error(`${vector.title}: no key`);
  if (key.kty === 'OKP') {
    const x = Buffer.from(key.x_hex ?? '', 'hex').toString('base64url');
    return createPublicKey({ key: { kty: 'OKP', crv: key.crv, x }, format: 'jwk' });
  }
  return createPublicKey({ key: { kty: 'EC', crv: key.crv, x: key.x ?? '', y: key.y ?? '' }, format: 'jwk' });
}

/** RFC 9052: the structure parses and the signature verifies with the vector's key and external data. */
function accepts(vector: Vector): boolean {
  const decoded = decodeStrict(Buffer.from(vector.output.cbor, 'hex'));
  if (!decoded.ok) return false;
  const parsed = parseSign1(decoded.value, { requireTag: false });
  if (!parsed.ok) return false;
  const aad = Buffer.from(vector.input.sign0?.external ?? '', 'hex');
  return verifySign1(parsed.value, keyOf(vector), aad);
}

const files = (dir: string) =>
  readdirSync(join(VECTORS, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(VECTORS, dir, f), 'utf8')) as Vector);

describe('COSE_Sign1 against ../shared/vectors/cose', () => {
  it('the ES256 sign1 pass and fail tests give the expected answer', () => {
    const vectors = files('sign1-tests');
    expect(vectors.length).toBeGreaterThanOrEqual(9);
    for (const vector of vectors) expect(accepts(vector), vector.title).toBe(vector.fail !== true);
  });

  it('the EdDSA Sign1 examples (Ed25519 and Ed448) verify, and fail with one flipped byte', () => {
    const vectors = files('eddsa-examples').filter((v) => v.input.sign0 !== undefined);
    expect(vectors.map((v) => v.title)).toHaveLength(2);
    for (const vector of vectors) {
      expect(accepts(vector), vector.title).toBe(true);
      const bytes = Buffer.from(vector.output.cbor, 'hex');
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
      expect(accepts({ ...vector, output: { cbor: bytes.toString('hex') } }), vector.title).toBe(false);
    }
  });

  it('signs and verifies with Ed25519 and P-256 device keys; a key of the other algorithm fails', () => {
    for (const [alg, type] of [
      [ALG.EdDSA, 'ed25519'],
      [ALG.ES256, 'ec'],
    ] as const) {
      const { privateKey } =
        type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const raw = rawPublicKey(alg, privateKey);
      const publicKey = publicKeyFromRaw(alg, raw);
      if (publicKey === undefined) throw new Error('no key');
      const aad = Buffer.from('study|participant|audience');
      const bytes = signSign1(privateKey, alg, Buffer.from('device-1'), Buffer.from('payload'), aad);
      const decoded = decodeStrict(bytes);
      const parsed = decoded.ok ? parseSign1(decoded.value, { requireTag: true }) : undefined;
      if (parsed === undefined || !parsed.ok) throw new Error('did not parse');
      expect(verifySign1(parsed.value, publicKey, aad)).toBe(true);
      expect(verifySign1(parsed.value, publicKey, Buffer.from('another binding'))).toBe(false);
      const other = generateKeyPairSync('ed25519').publicKey;
      if (alg === ALG.ES256) expect(verifySign1(parsed.value, other, aad)).toBe(false);
    }
  });

  it('refuses unknown critical headers, labels in both buckets and other algorithms', () => {
    const sign1 = (protectedHeader: Map<number, unknown>, unprotected = new Map()) =>
      Buffer.from(
        encode([encode(protectedHeader as never), unprotected, Buffer.from('x'), Buffer.alloc(64)] as never),
      );
    const reason = (bytes: Uint8Array) => {
      const decoded = decodeStrict(bytes);
      if (!decoded.ok) return decoded.reason;
      const parsed = parseSign1(decoded.value, { requireTag: false });
      return parsed.ok ? 'ok' : parsed.reason;
    };
    expect(
      reason(
        sign1(
          new Map<number, unknown>([
            [1, -8],
            [2, [99]],
          ]),
        ),
      ),
    ).toBe('unknown-critical-header');
    expect(
      reason(
        sign1(
          new Map<number, unknown>([
            [1, -8],
            [2, [4]],
          ]),
        ),
      ),
    ).toBe('ok');
    expect(reason(sign1(new Map([[1, -8]]), new Map([[1, -8]])))).toBe('duplicate-header-label');
    expect(reason(sign1(new Map([[1, -35]])))).toBe('unsupported-alg');
    expect(reason(sign1(new Map([[3, 0]])))).toBe('missing-alg');
  });

  it('an independent CBOR implementation (cbor2, core deterministic) writes the same bytes (property)', () => {
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
        fc.string(),
        fc.uint8Array({ maxLength: 16 }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc
          .array(fc.tuple(fc.integer({ min: -50, max: 50 }), tie('v')), { maxLength: 4 })
          .map((e) => new Map(e)),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const ours = Buffer.from(encode(v as never)).toString('hex');
        const theirs = Buffer.from(cbor2Encode(v, cdeEncodeOptions)).toString('hex');
        expect(ours).toBe(theirs);
      }),
      { numRuns: 2000 },
    );
  });
});
