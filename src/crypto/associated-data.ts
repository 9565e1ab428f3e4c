/**
 * Unambiguous encoding of associated data: a label, then each part as a 4-byte big-endian length and
 * its UTF-8 bytes. Length prefixes make ("ab","c") and ("a","bc") different, so no two contexts collide.
 */
export function associatedData(label: string, parts: readonly (string | number)[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of [label, ...parts]) {
    const bytes = Buffer.from(String(part), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}
