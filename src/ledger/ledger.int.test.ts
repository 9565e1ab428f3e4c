import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { populate } from '../../test/support/populate.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk, ok } from '../core/result.js';
import { transact } from '../storage/transact.js';
import { appendAuditEvents } from './audit-repo.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { openCheckpoint } from './signed-note.js';

const b64 = (s: string) => Buffer.from(s, 'base64');

for (const dialect of DIALECTS) {
  describe(`ledger (${dialect})`, () => {
    let t: TestVault;
    beforeEach(async () => {
      t = await freshVault(dialect);
    });
    afterEach(async () => t.cleanup());

    it('numbers events from 0 without gaps and signs checkpoints in the C2SP note format', async () => {
      const { checkpoint } = await populate(t.vault);
      const seqs = (
        await t.vault.store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()
      ).map((r) => Number(r.seq));
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(checkpoint.size).toBe(seqs.length);
      const lines = checkpoint.note.split('\n');
      expect(lines[0]).toBe(t.vault.ledger.origin);
      expect(lines[1]).toBe(String(checkpoint.size));
      expect(lines[2]).toBe(checkpoint.root);
      expect(lines[3]).toMatch(/^time \d{4}-\d\d-\d\dT/);
      expect(lines[5]).toMatch(new RegExp(`^\u2014 ${t.vault.ledger.origin} [A-Za-z0-9+/]+=*$`));
      expect(t.vault.ledger.open(checkpoint.note)).toMatchObject({ size: checkpoint.size });
      // Tampering with the note's body breaks the signature.
      expect(
        t.vault.ledger.open(checkpoint.note.replace(`\n${checkpoint.size}\n`, `\n${checkpoint.size + 1}\n`)),
      ).toBeNull();
      // The witness file holds the same note.
      const witness = readFileSync(join(t.keyDir, 'witness.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(witness.at(-1)).toMatchObject({
        size: checkpoint.size,
        root: checkpoint.root,
        note: checkpoint.note,
      });
    });

    it('serves inclusion and consistency proofs that an RFC 9162 verifier accepts, and leaves anyone can hash', async () => {
      const { checkpoint } = await populate(t.vault);
      for (const index of [0, 1, Math.floor(checkpoint.size / 2), checkpoint.size - 1]) {
        const proof = expectOk(await t.vault.ledger.inclusion(index));
        expect(proof.treeSize).toBe(checkpoint.size);
        expect(proof.root).toBe(checkpoint.root);
        expect(
          verifyInclusion(
            proof.leafIdx,
            proof.treeSize,
            b64(proof.leafHash),
            proof.proof.map(b64),
            b64(proof.root),
          ),
        ).toBe(true);
        const event = expectOk(await t.vault.ledger.event(index));
        expect(leafHash(b64(event.leaf)).toString('base64')).toBe(proof.leafHash);
      }
      expectOk(
        await t.vault.records.lock(
          CLI_ACTOR,
          (
            await t.vault.store.db
              .selectFrom('records')
              .select('id')
              .where('locked', '=', 0)
              .executeTakeFirstOrThrow()
          ).id,
        ),
      );
      const later = expectOk(await t.vault.ledger.checkpoint());
      const consistency = expectOk(await t.vault.ledger.consistency(checkpoint.size, later.size));
      expect(consistency).toMatchObject({ root1: checkpoint.root, root2: later.root });
      expect(
        verifyConsistency(
          consistency.size1,
          consistency.size2,
          consistency.proof.map(b64),
          b64(consistency.root1),
          b64(consistency.root2),
        ),
      ).toBe(true);
      const bad = await t.vault.ledger.inclusion(later.size + 5);
      expect(bad.ok ? null : bad.error.code).toBe('VALIDATION_FAILED');
    });

    it('no protected plaintext in any leaf; verify passes after crypto-shredding', async () => {
      const { checkpoint } = await populate(t.vault);
      for (let i = 0; i < checkpoint.size; i++) {
        const text = expectOk(await t.vault.ledger.event(i)).text;
        for (const secret of [
          'Person 0',
          'MRN-0001-AB',
          'zelda.marlowe@canary.example',
          '1961-04-23',
          '2026-09-01',
        ]) {
          expect(text.includes(secret), `leaf ${i} holds ${secret}`).toBe(false);
        }
      }
      const report = await t.vault.ledger.verify();
      expect(report.findings).toEqual([]);
      expect(report).toMatchObject({ ok: true, events: checkpoint.size, witnessed: 1 });
    });

    it('21 CFR 11.10(e): a restored older copy of the database (rollback) is caught through the witness', async () => {
      if (t.location.dialect !== 'sqlite') {
        // PostgreSQL: roll back by deleting the newest events and checkpoint, as a restore would leave them.
        await populate(t.vault);
        const first = expectOk(await t.vault.ledger.checkpoint());
        const record = await t.vault.store.db
          .selectFrom('records')
          .select('id')
          .where('locked', '=', 0)
          .executeTakeFirstOrThrow();
        expectOk(await t.vault.records.lock(CLI_ACTOR, record.id));
        const second = expectOk(await t.vault.ledger.checkpoint());
        await t.vault.store.db.deleteFrom('ledger_checkpoints').where('size', '=', second.size).execute();
        await t.vault.store.db.deleteFrom('audit_events').where('seq', '>=', first.size).execute();
        await t.vault.store.db
          .updateTable('records')
          .set({ locked: 0 })
          .where('id', '=', record.id)
          .execute();
        const report = await t.vault.ledger.verify();
        expect(report.ok).toBe(false);
        expect(report.findings.map((f) => f.kind)).toContain('witness-ahead-of-database');
        return;
      }
      await populate(t.vault);
      await t.vault.close();
      const copy = join(t.dir, 'old-copy.db');
      copyFileSync(t.location.file, copy);
      const vault = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      const record = await vault.store.db
        .selectFrom('records')
        .select('id')
        .where('locked', '=', 0)
        .executeTakeFirstOrThrow();
      expectOk(await vault.records.lock(CLI_ACTOR, record.id));
      expectOk(await vault.ledger.checkpoint());
      await vault.close();
      writeFileSync(t.location.file, readFileSync(copy));
      const restored = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      const report = await restored.ledger.verify();
      await restored.close();
      t = { ...t, vault: expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined })) };
      expect(report.ok).toBe(false);
      expect(report.findings).toContainEqual(
        expect.objectContaining({ kind: 'witness-ahead-of-database', table: 'ledger_checkpoints' }),
      );
    });

    const moreEvents = (n: number) =>
      transact(t.vault.store.db, async (trx) => {
        await appendAuditEvents(
          trx,
          t.vault.deps,
          Array.from({ length: n }, () => ({
            actor: CLI_ACTOR,
            action: 'participant.lookup' as const,
            details: { matches: 0 },
          })),
        );
        return ok(null);
      });

    it('a cold process checkpoints from the stored frontier, and the root is the one a full rehash gives; a damaged frontier is ignored', async () => {
      await populate(t.vault);
      const first = expectOk(await t.vault.ledger.checkpoint());
      await moreEvents(37);
      const cold = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      try {
        const quick = expectOk(await cold.ledger.checkpoint());
        expect(quick.size).toBeGreaterThan(first.size);
        // The warm tree of the first process, rehashed from every event, agrees.
        const full = expectOk(await t.vault.ledger.checkpoint());
        expect(full.size).toBe(quick.size);
        expect(full.root).toBe(quick.root);
        expect((await cold.ledger.verify()).ok).toBe(true);
      } finally {
        await cold.close();
      }
      // A frontier altered in the database is not trusted: the next cold checkpoint rehashes the log.
      await t.vault.store.db
        .updateTable('ledger_checkpoints')
        .set({ frontier: Buffer.alloc(64, 7) })
        .execute();
      await moreEvents(5);
      const again = expectOk(await openVault(t.location, { keyDir: t.keyDir, passphrase: undefined }));
      try {
        const rehashed = expectOk(await again.ledger.checkpoint());
        expect(rehashed.root).toBe(expectOk(await t.vault.ledger.checkpoint()).root);
      } finally {
        await again.close();
      }
    });

    it('a forged checkpoint or witness line is refused', async () => {
      const { checkpoint } = await populate(t.vault);
      const forged = checkpoint.note.replace(checkpoint.root, Buffer.alloc(32, 1).toString('base64'));
      expect(
        openCheckpoint(
          forged,
          t.vault.ledger.origin,
          (await import('node:crypto')).generateKeyPairSync('ed25519').publicKey,
        ),
      ).toBeNull();
      expect(t.vault.ledger.open(forged)).toBeNull();
    });
  });
}
