import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALG, publicKeyFromRaw } from './cose-sign1.js';
import { SAMPLE_FLAGS } from './plausibility.js';
import { MODES } from './simulator.js';
import { telemetryExample } from './telemetry-example.js';
import { checkUpload, REFUSALS } from './upload-check.js';

const doc = readFileSync(new URL('../../docs/telemetry.md', import.meta.url), 'utf8');

describe('docs/telemetry.md', () => {
  it('shows the worked example byte for byte, and the server accepts it', async () => {
    const e = telemetryExample();
    for (const hex of [e.publicKey, e.payload, e.externalAad, e.protectedHeader, e.toBeSigned, e.cose])
      expect(doc).toContain(hex);
    const key = publicKeyFromRaw(ALG.EdDSA, Buffer.from(e.publicKey, 'hex'));
    const checked = await checkUpload(
      Buffer.from(e.cose, 'hex'),
      { studyId: e.studyId, participantId: e.participantId, audience: e.audience },
      async (id) =>
        id === e.deviceId
          ? {
              id,
              studyId: e.studyId,
              participantId: e.participantId,
              status: 'active',
              participantErased: false,
              alg: ALG.EdDSA,
              key: key ?? null,
              metrics: new Set(['heart_rate', 'spo2']),
            }
          : undefined,
    );
    expect(checked.ok).toBe(true);
  });

  it("the reason-code table is exactly the code's reason codes, in the order the checks run", () => {
    // Like docs/errors.md for error codes: a reason the server answers must be documented, and the
    // page must not promise one the server never gives (issue #12: CBOR_INVALID at every level).
    const lines = doc.split('\n');
    const header = lines.findIndex((l) => /^\|\s*Order\s*\|\s*Reason\s*\|/.test(l));
    expect(header, 'the checks table of docs/telemetry.md').toBeGreaterThan(0);
    const rows: { order: number; reason: string }[] = [];
    for (const line of lines.slice(header + 2)) {
      const cells = /^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`\s*\|/.exec(line);
      if (cells === null) break;
      rows.push({ order: Number(cells[1]), reason: cells[2] as string });
    }
    expect(rows.map((r) => r.reason)).toEqual([...REFUSALS]);
    for (const [i, row] of rows.entries())
      if (i > 0) expect(row.order).toBeGreaterThanOrEqual(rows[i - 1]?.order ?? 0);
  });

  it('lists every refusal reason, flag and simulator mode of the code', () => {
    const flags = ['CHAIN_GAP', 'CHAIN_FORK', 'OUT_OF_ORDER', 'CLOCK_DRIFT', 'DUPLICATE_CONTENT'];
    for (const code of [...REFUSALS, ...flags, ...Object.keys(SAMPLE_FLAGS), ...MODES])
      expect(doc, code).toContain(`\`${code}\``);
  });
});
