import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heartRate } from '../../test/support/devices.js';
import { ALG, publicKeyFromRaw, signSign1 } from './cose-sign1.js';
import { DeviceClient } from './device-client.js';
import { encodeMessage, externalAad } from './telemetry-message.js';
import { checkUpload, type KnownDevice, REFUSALS } from './upload-check.js';

const privateKey = DeviceClient.generateKey('EdDSA');
const device: KnownDevice = {
  id: 'device-1',
  studyId: 'study-1',
  participantId: 'participant-1',
  status: 'active',
  participantErased: false,
  alg: ALG.EdDSA,
  key:
    publicKeyFromRaw(ALG.EdDSA, Buffer.from(DeviceClient.publicKey('EdDSA', privateKey), 'base64url')) ??
    null,
  metrics: new Set(['heart_rate']),
};
const target = { studyId: 'study-1', participantId: 'participant-1', audience: 'trialvault:test' };
const client = new DeviceClient({ deviceId: 'device-1', ...target, alg: 'EdDSA', privateKey });
const valid = client.upload(heartRate(Date.now(), 20), Date.now());
const find = async (id: string) => (id === device.id ? device : undefined);
const reasons = new Set<string>(REFUSALS);

async function answer(bytes: Uint8Array): Promise<string> {
  const checked = await checkUpload(bytes, target, find);
  return checked.ok ? 'ACCEPTED' : checked.reason;
}

/** Inputs near a valid upload: flipped, cut, spliced and random bytes, so every check gets exercised. */
const mutated = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const b = Uint8Array.from(valid);
    b[i] = (b[i] as number) ^ x;
    return b;
  }),
  fc.nat(valid.length - 1).map((n) => valid.subarray(0, n)),
  fc
    .tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([i, extra]) => Uint8Array.from([...valid.subarray(0, i), ...extra, ...valid.subarray(i)])),
);

describe('upload checks: fuzz of the CBOR and COSE parsing (FDA DHT: authentic data only)', () => {
  it('the valid upload is accepted, and only it', async () => {
    expect(await answer(valid)).toBe('ACCEPTED');
  });

  it('answers 100,000 mutated or random inputs with a reason code, never an exception', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutated, async (bytes) => {
        const a = await answer(bytes);
        seen.set(a, (seen.get(a) ?? 0) + 1);
        // A mutation that still verifies would be a forgery: only the unchanged bytes are accepted.
        if (a === 'ACCEPTED') expect(Buffer.from(bytes).equals(Buffer.from(valid))).toBe(true);
        else expect(reasons.has(a), a).toBe(true);
      }),
      { numRuns: 100_000 },
    );
    for (const reason of ['CBOR_INVALID', 'COSE_INVALID', 'SIGNATURE_INVALID'])
      expect(seen.get(reason) ?? 0).toBeGreaterThan(0);
  }, 300_000);

  it('a payload signed by the device but not deterministic CBOR is CBOR_INVALID, as at every other level', async () => {
    // RFC 8949 section 4.2.1; issue #12: one reason for one fault, and docs/telemetry.md says the same.
    const now = Date.now();
    const honest = Buffer.from(
      encodeMessage({
        device: 'device-1',
        boot: 9,
        seq: 0,
        prev: new Uint8Array(32),
        sent: now,
        samples: heartRate(now, 3),
      }),
    );
    expect(honest.subarray(0, 4).toString('hex')).toBe('a7617601'); // "v": 1
    const loose = Buffer.concat([honest.subarray(0, 3), Buffer.from([0x18, 0x01]), honest.subarray(4)]);
    const aad = externalAad(target.studyId, target.participantId, target.audience);
    const sign = (payload: Uint8Array) =>
      signSign1(privateKey, ALG.EdDSA, Buffer.from('device-1'), payload, aad);
    expect(await answer(sign(honest))).toBe('ACCEPTED');
    expect(await answer(sign(loose))).toBe('CBOR_INVALID');
  });
});
