import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { BackupService } from './service.js';
import { openSqliteStream } from './sqlite-stream.js';

function concat(blocks: Iterable<Uint8Array>): Buffer {
  return Buffer.concat([...blocks].map((b) => Buffer.from(b)));
}

describe('streaming a live SQLite store', () => {
  let t: TestVault;
  afterEach(async () => t.cleanup());

  it('reads the same bytes as a serialized copy, while writers keep writing to the WAL', async () => {
    t = await freshVault('sqlite');
    expectOk(await t.vault.demo.seed(CLI_ACTOR, 2));
    const file = t.vault.store.file as string;
    const stream = await openSqliteStream(file);
    expect(stream).toBeDefined();
    if (stream === undefined) return;
    const expected = (() => {
      const copy = new SqliteDatabase(file, { readonly: true });
      try {
        return copy.serialize();
      } finally {
        copy.close();
      }
    })();
    // A write after the snapshot began: it goes to the WAL and must not reach the stream.
    const study = (await t.vault.studies.listStudies(CLI_ACTOR))[0];
    if (study === undefined) throw new Error('no study');
    for (let i = 0; i < 5; i++)
      expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
    const streamed = concat(stream.blocks());
    stream.close();
    expect(streamed.length).toBe(stream.bytes);
    expect(streamed.equals(expected)).toBe(true);
  });

  it('21 CFR 11.10(c): a backup taken under concurrent writes restores to a store that verifies', async () => {
    t = await freshVault('sqlite');
    expectOk(await t.vault.demo.seed(CLI_ACTOR, 2));
    const source = { keyDir: t.keyDir, passphrase: undefined };
    const backups = new BackupService(t.vault, source, openVault);
    const restoreKey = join(t.dir, 'restore.key');
    expectOk(await backups.init(CLI_ACTOR, join(t.dir, 'target'), restoreKey));
    const study = (await t.vault.studies.listStudies(CLI_ACTOR))[0];
    if (study === undefined) throw new Error('no study');
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        expectOk(await t.vault.participants.enroll(CLI_ACTOR, study.id, { site: 'S01' }));
        n++;
      }
      return n;
    })();
    const created = [];
    for (let i = 0; i < 4; i++) created.push(expectOk(await backups.create(CLI_ACTOR)));
    writing = false;
    expect(await writer).toBeGreaterThan(0);
    // Streamed when a gap between transactions was found, serialized otherwise: both must restore.
    expect(created.every((b) => b.snapshot === 'streamed' || b.snapshot === 'serialized')).toBe(true);
    for (const [i, backup] of created.entries()) {
      const restored = expectOk(
        await backups.restore(CLI_ACTOR, backup.id, restoreKey, join(t.dir, `r${i}`)),
      );
      const db = new SqliteDatabase(restored.file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
      expect(expectOk(await backups.verify(backup.id, restoreKey)).ledger.ok).toBe(true);
    }
  });
});
