import { createPrivateKey } from 'node:crypto';
import { type CborValue, encode } from './cbor.js';
import { ALG, HEADER, signSign1, toBeSigned } from './cose-sign1.js';
import { encodeMessage, externalAad } from './telemetry-message.js';

/** The worked example of docs/telemetry.md, rebuilt by a test so the document cannot drift. */
export function telemetryExample() {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const x = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: x.toString('base64url') },
    format: 'jwk',
  });
  const deviceId = '0190f3a2-5c1e-7a00-8000-00000000d001';
  const studyId = '0190f3a2-0000-7000-8000-0000000005d1';
  const participantId = '0190f3a2-0000-7000-8000-0000000000a1';
  const audience = 'trialvault:example-store';
  const sent = Date.parse('2026-11-28T12:00:00Z');
  const payload = encodeMessage({
    device: deviceId,
    boot: 1,
    seq: 0,
    prev: new Uint8Array(32),
    sent,
    samples: [
      { metric: 'heart_rate', at: sent - 2000, value: 72 },
      { metric: 'heart_rate', at: sent - 1000, value: 73 },
      { metric: 'spo2', at: sent - 1000, value: 97 },
    ],
  });
  const aad = externalAad(studyId, participantId, audience);
  const protectedHeader = encode(
    new Map<number, CborValue>([
      [HEADER.alg, ALG.EdDSA],
      [HEADER.kid, Buffer.from(deviceId, 'utf8')],
    ]),
  );
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    publicKey: hex(x),
    deviceId,
    studyId,
    participantId,
    audience,
    payload: hex(payload),
    externalAad: hex(aad),
    protectedHeader: hex(protectedHeader),
    toBeSigned: hex(toBeSigned(protectedHeader, aad, payload)),
    cose: hex(signSign1(privateKey, ALG.EdDSA, Buffer.from(deviceId, 'utf8'), payload, aad)),
  };
}
