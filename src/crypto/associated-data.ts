/**
 * Unambiguous encoding of associated data: a label, then each part as a 4-byte big-endian length and
 * its UTF-8 bytes. Length prefixes make ("ab","c") and ("a","bc") different, so no two contexts collide.
 * Written into one buffer sized up front (this runs for every protected value sealed or opened).
 */
export function associatedData(label: string, parts: readonly (string | number)[]): Buffer {
  const texts: string[] = [label];
  let size = 4 + Buffer.byteLength(label, 'utf8');
  for (const part of parts) {
    const text = String(part);
    texts.push(text);
    size += 4 + Buffer.byteLength(text, 'utf8');
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const text of texts) {
    const length = out.write(text, offset + 4, 'utf8');
    out.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return out;
}
