import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededDemo } from '../../test/support/exports.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { ageKeyFingerprint } from './age-recipient.js';

for (const dialect of DIALECTS) {
  describe(`exports encrypted to the recipient's age key (issue #16, ${dialect})`, () => {
    let t: TestVault;
    let out: string;
    let studyId: string;
    beforeAll(async () => {
      t = await freshVault(dialect);
      expectOk(await t.vault.demo.seed(CLI_ACTOR, 7));
      studyId = (await seededDemo(t.vault)).studyId;
      out = mkdtempSync(join(tmpdir(), 'tv-export-age-'));
    });
    afterAll(async () => {
      rmSync(out, { recursive: true, force: true });
      await t.cleanup();
    });

    // ASVS 5.1.3: a malformed key is refused with VALIDATION_FAILED and changes nothing.
    it('refuses a malformed key and stores nothing', async () => {
      const bad = await t.vault.exports.recipients.save(CLI_ACTOR, studyId, {
        name: 'Sponsor',
        ageRecipient: 'age1notakey',
      });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.code).toBe('VALIDATION_FAILED');
      const list = expectOk(await t.vault.exports.recipients.list(CLI_ACTOR, studyId));
      expect(list.find((r) => r.name === 'Sponsor')).toBeUndefined();
    });

    it('review s13: a recipient given a new key gets exports encrypted to the new key, not the old one', async () => {
      const old = await identityToRecipient(await generateX25519Identity());
      const next = await identityToRecipient(await generateX25519Identity());
      expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, studyId, { name: 'Rekeyed', ageRecipient: old }),
      );
      const saved = expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, studyId, { name: 'Rekeyed', ageRecipient: next }),
      );
      expect(saved.keyFingerprint).toBe(ageKeyFingerprint(next));
      const dir = join(out, 'rekeyed');
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(
          CLI_ACTOR,
          studyId,
          {
            profile: 'deidentified',
            recipient: 'Rekeyed',
            purpose: 'Analysis',
            suppress: ['BIRTH_DATE', 'ZIP'],
          },
          dir,
        ),
      );
      expect(report.recipientKey).toBe(ageKeyFingerprint(next));
    });

    // HIPAA 164.312(e)(2)(ii): only the recipient can read the files; the spool holds ciphertext alone.
    it('writes every file encrypted; the recipient decrypts; a thief of the spool reads nothing', async () => {
      const identity = await generateX25519Identity();
      const key = await identityToRecipient(identity);
      const saved = expectOk(
        await t.vault.exports.recipients.save(CLI_ACTOR, studyId, { name: 'Sponsor', ageRecipient: key }),
      );
      expect(saved.keyFingerprint).toBe(ageKeyFingerprint(key));
      const dir = join(out, 'sponsor');
      mkdirSync(dir);
      const report = expectOk(
        await t.vault.exports.createIn(
          CLI_ACTOR,
          studyId,
          {
            profile: 'deidentified',
            recipient: 'Sponsor',
            purpose: 'Analysis',
            suppress: ['BIRTH_DATE', 'ZIP'],
          },
          dir,
        ),
      );
      expect(report.encrypted).toBe(true);
      expect(report.recipientKey).toBe(ageKeyFingerprint(key));
      expect(report.files.length).toBeGreaterThan(0);
      const names = readdirSync(dir, { recursive: true }).map(String);
      const decrypter = new Decrypter();
      decrypter.addIdentity(identity);
      const wide = report.files.find((f) => f.name.endsWith('-wide.csv.age'));
      expect(wide).toBeDefined();
      for (const f of report.files) {
        expect(f.name.endsWith('.age')).toBe(true);
        expect(names).toContain(f.name);
      }
      const plain = await decrypter.decrypt(readFileSync(join(dir, wide?.name ?? '')), 'text');
      const [header, first] = plain.split('\n');
      expect(header?.split(',').length).toBeGreaterThan(3);
      // A value of the first row, seeded by the demo: nowhere in any byte on disk.
      const seededValue = first?.split(',')[0] ?? '';
      expect(seededValue.length).toBeGreaterThan(3);
      for (const n of names) {
        const bytes = readFileSync(join(dir, n));
        expect(bytes.includes(Buffer.from(seededValue))).toBe(false);
        expect(bytes.includes(Buffer.from(header ?? ''))).toBe(false);
      }
    });
  });
}
