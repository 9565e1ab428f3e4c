import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterEach, describe, expect, it } from 'vitest';
import { ageKeyFingerprint, parseAgeRecipient } from './age-recipient.js';
import { DirectoryOutput } from './output.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const spool = () => {
  const d = mkdtempSync(join(tmpdir(), 'tv-out-'));
  dirs.push(d);
  return d;
};

describe('export files encrypted to the recipient (issue #16)', () => {
  it('writes only ciphertext; the recipient decrypts it; the hash is of what was written', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const dir = spool();
    const out = new DirectoryOutput(dir, 'e1', recipient);
    const file = await out.file('data.csv', 'text/csv');
    const seeded = 'SEEDED-VALUE-7731';
    const rows: string[] = ['id,value\n'];
    // Several blocks, so the streaming path (STREAM chunks, backpressure) is exercised.
    for (let i = 0; i < 20000; i++) rows.push(`${i},${seeded}-${i}\n`);
    for (const r of rows) await file.write(r);
    await file.close();
    out.release();
    expect(readdirSync(dir)).toEqual(['data.csv.age']);
    const written = readFileSync(join(dir, 'data.csv.age'));
    // A thief with the spool directory reads nothing: the seeded value is nowhere on disk.
    expect(written.includes(Buffer.from(seeded))).toBe(false);
    expect(written.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(out.files[0]?.sha256).toBe(createHash('sha256').update(written).digest('hex'));
    expect(out.files[0]?.bytes).toBe(written.length);
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(await d.decrypt(written, 'text')).toBe(rows.join(''));
  });

  it('without a key writes plaintext, as before', async () => {
    const dir = spool();
    const out = new DirectoryOutput(dir, 'e2');
    const file = await out.file('a.csv', 'text/csv');
    await file.write('x\n');
    await file.close();
    out.release();
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('x\n');
  });

  // ASVS 6.2.1: a malformed key is refused with a clear message, never stored (no silent plaintext).
  it('refuses malformed recipient keys', async () => {
    const good = await identityToRecipient(await generateX25519Identity());
    expect(parseAgeRecipient(good)).toEqual({ ok: true, value: good });
    for (const bad of [
      '',
      'age1xyz',
      `${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`,
      'ssh-ed25519 AAAA',
    ]) {
      const r = parseAgeRecipient(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('VALIDATION_FAILED');
    }
    expect(ageKeyFingerprint(good)).toMatch(/^sha256:[0-9a-f]{32}$/);
  });
});
