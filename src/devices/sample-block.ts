/**
 * One metric's samples from one upload as a column block, the plaintext that is sealed under the
 * participant's key (one row per upload and metric, never one row per sample):
 *   u8 format (1) | u32 count | f64 first time (ms since epoch) | count x u32 ms after the first
 *   | count x f64 value | count x u8 quarantine flags           (all big-endian)
 */
export interface SampleBlock {
  readonly times: number[];
  readonly values: number[];
  readonly flags: Uint8Array;
}

const FORMAT = 1;
const HEADER = 1 + 4 + 8;

export function encodeBlock(block: SampleBlock): Buffer {
  const n = block.times.length;
  const out = Buffer.allocUnsafe(HEADER + n * 13);
  const first = block.times[0] ?? 0;
  out.writeUInt8(FORMAT, 0);
  out.writeUInt32BE(n, 1);
  out.writeDoubleBE(first, 5);
  let pos = HEADER;
  for (let i = 0; i < n; i++, pos += 4) out.writeUInt32BE((block.times[i] as number) - first, pos);
  for (let i = 0; i < n; i++, pos += 8) out.writeDoubleBE(block.values[i] as number, pos);
  out.set(block.flags.subarray(0, n), pos);
  return out;
}

/** The block, or null when the bytes are not one (a bug or a wrong key: callers report it). */
export function decodeBlock(bytes: Buffer): SampleBlock | null {
  if (bytes.length < HEADER || bytes.readUInt8(0) !== FORMAT) return null;
  const n = bytes.readUInt32BE(1);
  if (bytes.length !== HEADER + n * 13) return null;
  const first = bytes.readDoubleBE(5);
  const times = new Array<number>(n);
  const values = new Array<number>(n);
  let pos = HEADER;
  for (let i = 0; i < n; i++, pos += 4) times[i] = first + bytes.readUInt32BE(pos);
  for (let i = 0; i < n; i++, pos += 8) values[i] = bytes.readDoubleBE(pos);
  return { times, values, flags: Uint8Array.from(bytes.subarray(pos, pos + n)) };
}

/** The seal context of one upload's block of one metric (its AAD: bound to study, participant and upload). */
export const blockContext = (studyId: string, participantId: string, uploadId: string, metric: number) => ({
  studyId,
  participantId,
  recordId: `telemetry/${uploadId}`,
  field: String(metric),
  version: 1,
});
