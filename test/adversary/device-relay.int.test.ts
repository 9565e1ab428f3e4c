import { verify } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { type CborValue, decodeStrict, encode, Tagged } from '../../src/devices/cbor.js';
import { publicKeyFromRaw, toBeSigned } from '../../src/devices/cose-sign1.js';
import { DeviceClient } from '../../src/devices/device-client.js';
import type { Enrollment } from '../../src/devices/device-service.js';
import { ED25519_ORDER, P256_ORDER } from '../../src/devices/signature-form.js';
import { externalAad } from '../../src/devices/telemetry-message.js';
import { buildApp } from '../../src/server/app.js';
import { userWithRole } from '../support/access.js';
import { heartRate } from '../support/devices.js';
import { enrollWithDemographics, seedStudy } from '../support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../support/stores.js';

/**
 * Finding 8 (issue #12), from the seat of a relay between a wearable and the server (a phone app, a
 * gateway, a proxy): it holds no device key, but it sees and can rewrite every upload before it is
 * delivered. If it can make another byte string with the same meaning and a valid signature, and send
 * it first, its copy is accepted, the device's own bytes are refused as a REPLAY and the device's next
 * honest upload no longer continues the hash chain: CHAIN_FORK, every sample quarantined. A denial of
 * data against one participant, with no key. The controls: one byte string per meaning.
 *
 * - RFC 9052 section 4 (COSE_Sign1): alg and kid only in the protected header, the unprotected header
 *   the empty map (nothing unsigned in an upload), the protected header never empty.
 * - RFC 8949 section 4.2.1 (core deterministic encoding) at every level: the message, the protected
 *   header it wraps and the payload; anything else is CBOR_INVALID.
 * - ES256 low S only, EdDSA S below the group order (RFC 8032 section 5.1.7): SIGNATURE_MALLEABLE.
 * - ASVS 1.1.1 (one canonical form, decoded once), ASVS 1.5.3 (parsers agree: one encoding, one
 *   meaning), ASVS 9.1.1 (verified before the content is used), ASVS 9.1.2 (the algorithm comes from
 *   signed data only); 21 CFR 11.10(a) (no data loss through altered records).
 */

type Alg = 'EdDSA' | 'ES256';
type Tamper = (sign1: Sign1Parts, bytes: Uint8Array) => Uint8Array;

interface Sign1Parts {
  protectedBytes: Uint8Array;
  unprotected: Map<number, CborValue>;
  payload: Uint8Array;
  signature: Uint8Array;
}

function partsOf(bytes: Uint8Array): Sign1Parts {
  const decoded = decodeStrict(bytes);
  if (!decoded.ok || !(decoded.value instanceof Tagged)) throw new Error('not a tagged COSE_Sign1');
  const [protectedBytes, unprotected, payload, signature] = decoded.value.value as [
    Uint8Array,
    Map<number, CborValue>,
    Uint8Array,
    Uint8Array,
  ];
  return { protectedBytes, unprotected, payload, signature };
}

const sign1 = (p: Sign1Parts) =>
  encode(new Tagged(18, [p.protectedBytes, p.unprotected, p.payload, p.signature]));

const bigBE = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const bigLE = (b: Uint8Array) => bigBE(Uint8Array.from(b).reverse());
const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const le32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

/** The protected header {1: alg, 4: kid} as its map entries' raw bytes: alg, then kid. */
function protectedEntries(protectedBytes: Uint8Array): { alg: Buffer; kid: Buffer } {
  // a2 | 01 <alg> | 04 58 <len> <kid>: alg is one byte (26 or 27) in the reference client's header.
  const b = Buffer.from(protectedBytes);
  expect(b[0]).toBe(0xa2);
  return { alg: b.subarray(1, 3), kid: b.subarray(3) };
}

const ATTACKS: { name: string; alg: Alg; expected: string; tamper: Tamper }[] = [
  {
    // ECDSA: if (r, s) verifies, so does (r, n - s). The relay needs no key to make it.
    name: 'ES256 signature with s flipped to n - s (high S)',
    alg: 'ES256',
    expected: 'SIGNATURE_MALLEABLE',
    tamper: (p) => {
      const s = bigBE(p.signature.subarray(32));
      return sign1({ ...p, signature: Buffer.concat([p.signature.subarray(0, 32), be32(P256_ORDER - s)]) });
    },
  },
  {
    // Ed25519: S + L satisfies the verification equation too, unless S < L is enforced (RFC 8032 5.1.7).
    name: 'Ed25519 signature with S replaced by S + L',
    alg: 'EdDSA',
    expected: 'SIGNATURE_MALLEABLE',
    tamper: (p) => {
      const s = bigLE(p.signature.subarray(32));
      return sign1({
        ...p,
        signature: Buffer.concat([p.signature.subarray(0, 32), le32(s + ED25519_ORDER)]),
      });
    },
  },
  {
    // Nothing in the unprotected header is signed: a label added there leaves the signature valid.
    name: 'a label added to the (unsigned) unprotected header',
    alg: 'EdDSA',
    expected: 'UNPROTECTED_HEADER',
    tamper: (p) => sign1({ ...p, unprotected: new Map<number, CborValue>([[3, 0]]) }),
  },
  {
    name: "alg and kid moved to the unprotected header, protected h''",
    alg: 'ES256',
    expected: 'UNPROTECTED_HEADER',
    tamper: (p) => {
      const header = decodeStrict(p.protectedBytes);
      if (!header.ok) throw new Error('protected header');
      return sign1({
        ...p,
        protectedBytes: new Uint8Array(0),
        unprotected: header.value as Map<number, CborValue>,
      });
    },
  },
  {
    // h'' and h'a0' are signed alike (RFC 9052 section 4.4): two encodings of "no protected header".
    name: "alg and kid moved to the unprotected header, protected h'a0'",
    alg: 'EdDSA',
    expected: 'UNPROTECTED_HEADER',
    tamper: (p) => {
      const header = decodeStrict(p.protectedBytes);
      if (!header.ok) throw new Error('protected header');
      return sign1({
        ...p,
        protectedBytes: Uint8Array.from([0xa0]),
        unprotected: header.value as Map<number, CborValue>,
      });
    },
  },
  {
    name: 'protected header re-encoded with its keys out of order',
    alg: 'EdDSA',
    expected: 'CBOR_INVALID',
    tamper: (p) => {
      const { alg, kid } = protectedEntries(p.protectedBytes);
      return sign1({ ...p, protectedBytes: Buffer.concat([Buffer.from([0xa2]), kid, alg]) });
    },
  },
  {
    name: 'protected header re-encoded with a non-shortest label (1 as 0x18 0x01)',
    alg: 'ES256',
    expected: 'CBOR_INVALID',
    tamper: (p) => {
      const { alg, kid } = protectedEntries(p.protectedBytes);
      const longAlg = Buffer.concat([Buffer.from([0x18]), alg]);
      return sign1({ ...p, protectedBytes: Buffer.concat([Buffer.from([0xa2]), longAlg, kid]) });
    },
  },
  {
    // The payload map starts a7 61 76 01 ("v": 1): 1 re-encoded as 0x18 0x01, same value.
    name: 'payload re-encoded non-deterministically ("v": 1 as 0x18 0x01)',
    alg: 'EdDSA',
    expected: 'CBOR_INVALID',
    tamper: (p) => {
      const b = Buffer.from(p.payload);
      expect(b.subarray(0, 4).toString('hex')).toBe('a7617601');
      return sign1({
        ...p,
        payload: Buffer.concat([b.subarray(0, 3), Buffer.from([0x18, 0x01]), b.subarray(4)]),
      });
    },
  },
  {
    // The outer message: the payload's length as a 4-byte argument instead of its shortest form.
    name: 'outer message re-encoded with a non-shortest length',
    alg: 'ES256',
    expected: 'CBOR_INVALID',
    tamper: (p) => {
      const length = Buffer.alloc(5);
      length[0] = 0x5a;
      length.writeUInt32BE(p.payload.length, 1);
      return Buffer.concat([
        Buffer.from([0xd2, 0x84]),
        encode(p.protectedBytes),
        encode(p.unprotected),
        length,
        p.payload,
        encode(p.signature),
      ]);
    },
  },
];

for (const dialect of DIALECTS) {
  describe(`relay attack on device uploads: one byte string per meaning (${dialect})`, () => {
    let t: TestVault;
    let app: FastifyInstance;
    let server = '';
    let f: { studyId: string; participantId: string; bearer: string };
    beforeAll(async () => {
      t = await freshVault(dialect);
      app = await buildApp({ vault: t.vault, authPerMinute: 1000 });
      server = await app.listen({ host: '127.0.0.1', port: 0 });
      const study = await seedStudy(t.vault);
      const own = await enrollWithDemographics(t.vault, study.id, 'S01');
      const { email } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const { token } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, { email, study: study.id, scopes: ['device.manage'] }),
      );
      f = { studyId: study.id, participantId: own.participant.id, bearer: `Bearer ${token}` };
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    /** Registration by the coordinator and enrollment by the device, both over HTTP. */
    async function enrolledOverHttp(alg: Alg): Promise<DeviceClient> {
      const registered = await fetch(`${server}/api/v1/participants/${f.participantId}/devices`, {
        method: 'POST',
        headers: { authorization: f.bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'Watch',
          serial: 'SN-RELAY',
          firmware: '1.0',
          metrics: ['heart_rate'],
        }),
      });
      expect(registered.status).toBe(201);
      const { enrollmentCode } = (await registered.json()) as { enrollmentCode: string };
      const privateKey = DeviceClient.generateKey(alg);
      const enrolled = await fetch(`${server}/api/v1/devices/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          code: enrollmentCode,
          alg,
          publicKey: DeviceClient.publicKey(alg, privateKey),
        }),
      });
      expect(enrolled.status).toBe(200);
      return new DeviceClient({ ...((await enrolled.json()) as Enrollment), alg, privateKey });
    }

    async function upload(bytes: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
      const answer = await fetch(
        `${server}/api/v1/telemetry?study=${f.studyId}&participant=${f.participantId}`,
        { method: 'POST', headers: { 'content-type': 'application/cose' }, body: Buffer.from(bytes) },
      );
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    }
    const reasonOf = (a: { status: number; body: Record<string, unknown> }) =>
      a.status === 202
        ? 'ACCEPTED'
        : String(
            (a.body.error as { details?: { reason?: string } } | undefined)?.details?.reason ?? a.status,
          );

    for (const attack of ATTACKS) {
      it(`${attack.name}: refused ${attack.expected}; the device's own bytes are then accepted, and its next upload is no CHAIN_FORK`, async () => {
        const client = await enrolledOverHttp(attack.alg);
        const t0 = Date.now();
        const honest = client.upload(heartRate(t0, 10), t0);
        const altered = attack.tamper(partsOf(honest), honest);
        expect(Buffer.from(altered).equals(Buffer.from(honest))).toBe(false);

        // The relay delivers its copy first.
        expect(reasonOf(await upload(altered))).toBe(attack.expected);
        // Then the device's own bytes: accepted, not REPLAY.
        const own = await upload(honest);
        expect(reasonOf(own)).toBe('ACCEPTED');
        expect(own.body).toMatchObject({ samples: 10, quarantined: 0, flags: [] });
        // And its next honest upload continues its chain: no CHAIN_FORK, nothing quarantined.
        const t1 = t0 + 10_000;
        const next = await upload(client.upload(heartRate(t1, 10), t1));
        expect(reasonOf(next)).toBe('ACCEPTED');
        expect(next.body).toMatchObject({ quarantined: 0, flags: [] });
      });
    }

    it('the flipped ES256 signature is a real second signature: it verifies mathematically, so only the low-S rule stops it', async () => {
      const client = await enrolledOverHttp('ES256');
      const honest = partsOf(client.upload(heartRate(Date.now(), 5)));
      const flipped = Buffer.concat([
        honest.signature.subarray(0, 32),
        be32(P256_ORDER - bigBE(honest.signature.subarray(32))),
      ]);
      const { studyId, participantId, audience } = client.identity;
      const data = toBeSigned(
        honest.protectedBytes,
        externalAad(studyId, participantId, audience),
        honest.payload,
      );
      const key = publicKeyFromRaw(
        -7,
        Buffer.from(DeviceClient.publicKey('ES256', client.identity.privateKey), 'base64url'),
      );
      if (key === undefined) throw new Error('no key');
      for (const signature of [honest.signature, flipped])
        expect(verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    });
  });
}
