import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type AppError, appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { randomKey } from '../crypto/aead.js';
import { studyBlindIndexKey } from '../crypto/blind-index.js';
import { type KeyProvider, unwrapKey, wrapKey } from '../crypto/key-provider.js';
import type { SealedRow } from '../ledger/row-seal.js';
import { rowTampered } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import type { TableBinding } from '../ledger/table-binding.js';
import type { Database } from '../storage/schema.js';
import { KEY_CHECK_CONTEXT, KEY_CHECK_PLAINTEXT } from './key-check.js';
import * as repo from './repo.js';
import { PARTICIPANT_KEYS, STUDY_KEYS } from './vault-bindings.js';

/** A participant's data key, unwrapped, with the version bound into every envelope it seals. */
export interface ParticipantKey {
  readonly key: Buffer;
  readonly version: number;
}

const CACHE_LIMIT = 10_000;
/** HKDF info of the row MAC key (docs/ledger.md): a separate key from the event MAC key. */
export const ROW_MAC_INFO = 'trialvault/row-mac/v1';
/** HKDF info of the root of the browser's entry-draft keys (access/browser-session.ts). */
export const ENTRY_DRAFT_INFO = 'trialvault/entry-draft/v1';
/** Data-key generation of a newly created participant key. */
const FIRST_KEY_VERSION = 1;

const studyKeyContext = (studyId: string, version: number) => `study/${studyId}/kek/${version}`;
const participantKeyContext = (participantId: string, keyVersion: number) =>
  `participant/${participantId}/dek/${keyVersion}`;

/**
 * The key hierarchy: master key (in the key provider) -> study key-encryption key (one per study and
 * version, stored wrapped) -> participant data key (one per participant, stored wrapped). Destroying a
 * participant's wrapped data key crypto-shreds every value sealed under it (GDPR art. 17; HIPAA 164.310(d)(2)(i)).
 */
export class Keyring {
  readonly #provider: KeyProvider;
  readonly #blindIndexRoot: Buffer;
  readonly #studyKeys = new Map<string, Buffer>();
  readonly #participantKeys = new Map<string, ParticipantKey>();
  readonly #blindKeys = new Map<string, Buffer>();

  readonly #ledgerMacKey: Buffer;
  #guard:
    | { readonly db: Kysely<Database>; report(binding: TableBinding, row: SealedRow): AppError }
    | undefined;
  // A KeyObject: the key is imported once, not on every row MAC (one HMAC per row read and written).
  readonly #rowKey: KeyObject;
  readonly #draftRoot: Buffer;

  constructor(provider: KeyProvider, blindIndexRoot: Buffer, ledgerMacKey: Buffer) {
    this.#provider = provider;
    this.#blindIndexRoot = blindIndexRoot;
    this.#ledgerMacKey = ledgerMacKey;
    // Derived, never stored: only the key directory (which unwraps the ledger MAC key) can make it.
    this.#rowKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', ledgerMacKey, Buffer.alloc(0), ROW_MAC_INFO, 32)),
    );
    this.#draftRoot = Buffer.from(hkdfSync('sha256', ledgerMacKey, Buffer.alloc(0), ENTRY_DRAFT_INFO, 32));
  }

  /**
   * The AES-256-GCM key a user's browser keeps unsaved entry under (issue #15 item 7): the same for
   * every session of that user, so a draft survives a timeout and a new sign-in, and different per
   * user, so the next person at a shared computer cannot read it. Derived, never stored.
   */
  entryDraftKey(userId: string): Buffer {
    return createHmac('sha256', this.#draftRoot).update(`user/${userId}`).digest();
  }

  /**
   * HMAC-SHA-256 under the row key (ledger/row-seal.ts): binds a table row, and its ledger seal, to a
   * key a database administrator does not hold (issue #17).
   */
  rowMac(message: Buffer | string): Buffer {
    return createHmac('sha256', this.#rowKey).update(message).digest();
  }

  /**
   * HMAC-SHA-256 of an audit event's leaf hash under the ledger MAC key, which lives only wrapped by the
   * master key: someone with SQL access alone cannot make an event that verifies.
   */
  eventMac(leafHashValue: Buffer): Buffer {
    return createHmac('sha256', this.#ledgerMacKey).update(leafHashValue).digest();
  }

  get providerDescription(): string {
    return this.#provider.description;
  }

  /** Seals a small secret (a TOTP seed) under the master key, bound to its context. */
  sealSecret(plaintext: Uint8Array, context: string): Promise<Buffer> {
    return this.#provider.wrap(plaintext, `secret/${context}`);
  }

  openSecret(sealed: Uint8Array, context: string): Promise<Buffer | null> {
    return this.#provider.unwrap(sealed, `secret/${context}`);
  }

  /** True when the master key opens the store's key check (readiness and wrong-key detection). */
  async checkMasterKey(wrappedCheck: Buffer): Promise<boolean> {
    const opened = await this.#provider.unwrap(wrappedCheck, KEY_CHECK_CONTEXT);
    return opened?.equals(KEY_CHECK_PLAINTEXT) === true;
  }

  async createStudyKey(
    db: Kysely<Database>,
    studyId: string,
    version: number,
    createdAt: string,
  ): Promise<void> {
    const kek = randomKey();
    const wrappedKey = await this.#provider.wrap(kek, studyKeyContext(studyId, version));
    await repo.insertStudyKey(db, { studyId, version, wrappedKey, createdAt });
    this.#studyKeys.set(`${studyId}/${version}`, kek);
  }

  async studyKey(db: Kysely<Database>, studyId: string, version: number): Promise<Result<Buffer>> {
    const cacheKey = `${studyId}/${version}`;
    const cached = this.#studyKeys.get(cacheKey);
    if (cached !== undefined) return ok(cached);
    const row = await repo.findStudyKey(db, studyId, version);
    if (row !== undefined) {
      const refused = this.#untrusted(db, STUDY_KEYS, row);
      if (refused !== undefined) return err(refused);
    }
    const wrapped = row?.wrapped_key;
    if (wrapped === undefined) {
      return err(
        appError('KEY_UNAVAILABLE', 'The study key is missing from the store.', { studyId, version }),
      );
    }
    const kek = await this.#provider.unwrap(wrapped, studyKeyContext(studyId, version));
    if (kek === null) {
      return err(
        appError('INTEGRITY_ERROR', 'The study key failed its integrity check.', { studyId, version }),
      );
    }
    this.#studyKeys.set(cacheKey, kek);
    return ok(kek);
  }

  /**
   * Makes a new participant data key wrapped under the study's current key. `persist` stores it, after
   * the participant row exists; values can be sealed with `key` before that.
   */
  async prepareParticipantKey(
    db: Kysely<Database>,
    studyId: string,
    participantId: string,
    createdAt: string,
  ): Promise<Result<{ key: ParticipantKey; persist: () => Promise<void> }>> {
    const kekVersion = await repo.currentStudyKeyVersion(db, studyId);
    if (kekVersion === undefined)
      return err(appError('KEY_UNAVAILABLE', 'The study has no key.', { studyId }));
    const kek = await this.studyKey(db, studyId, kekVersion);
    if (!kek.ok) return kek;
    const key = randomKey();
    const wrappedKey = wrapKey(kek.value, key, participantKeyContext(participantId, FIRST_KEY_VERSION));
    const participantKey = { key, version: FIRST_KEY_VERSION };
    const persist = async () => {
      await repo.insertParticipantKey(db, {
        participantId,
        studyId,
        kekVersion,
        keyVersion: FIRST_KEY_VERSION,
        wrappedKey,
        createdAt,
      });
      this.#remember(participantId, participantKey);
    };
    return ok({ key: participantKey, persist });
  }

  /** The participant's data key; KEY_UNAVAILABLE once it was destroyed (erasure). */
  async participantKey(db: Kysely<Database>, participantId: string): Promise<Result<ParticipantKey>> {
    const cached = this.#participantKeys.get(participantId);
    if (cached !== undefined) return ok(cached);
    const row = await repo.findParticipantKey(db, participantId);
    if (row === undefined) {
      return err(
        appError('KEY_UNAVAILABLE', "The participant's data key does not exist.", { participantId }),
      );
    }
    const refused = this.#untrusted(db, PARTICIPANT_KEYS, row);
    if (refused !== undefined) return err(refused);
    const kek = await this.studyKey(db, row.study_id, Number(row.kek_version));
    if (!kek.ok) return kek;
    const keyVersion = Number(row.key_version);
    const key = unwrapKey(kek.value, row.wrapped_key, participantKeyContext(participantId, keyVersion));
    if (key === null) {
      return err(
        appError('INTEGRITY_ERROR', "The participant's data key failed its integrity check.", {
          participantId,
        }),
      );
    }
    const participantKey = { key, version: keyVersion };
    this.#remember(participantId, participantKey);
    return ok(participantKey);
  }

  /**
   * Loads the data keys of many participants with one query (bulk reads such as exports); a key that
   * is missing or fails its check is left out, and participantKey() then reports it as usual.
   */
  async warmParticipantKeys(db: Kysely<Database>, participantIds: readonly string[]): Promise<void> {
    const missing = participantIds.filter((id) => !this.#participantKeys.has(id));
    for (const row of await repo.findParticipantKeys(db, missing)) {
      const kek = await this.studyKey(db, row.study_id, Number(row.kek_version));
      if (!kek.ok) continue;
      const version = Number(row.key_version);
      const key = unwrapKey(kek.value, row.wrapped_key, participantKeyContext(row.participant_id, version));
      if (key !== null) this.#remember(row.participant_id, { key, version });
    }
  }

  /** Destroys the participant's data key in the caller's transaction and in this process's cache. */
  async destroyParticipantKey(db: Kysely<Database>, participantId: string): Promise<void> {
    await repo.deleteParticipantKey(db, participantId);
    this.forget(participantId);
  }

  forget(participantId: string): void {
    const cached = this.#participantKeys.get(participantId);
    cached?.key.fill(0);
    this.#participantKeys.delete(participantId);
  }

  /** Rewraps one participant key from an older study key version to `toVersion`. */
  async rewrap(
    db: Kysely<Database>,
    studyId: string,
    row: { participant_id: string; kek_version: number; key_version: number; wrapped_key: Buffer },
    toVersion: number,
  ): Promise<Result<boolean>> {
    // A key row changed in SQL is not rewrapped: its new seal would launder it (issue #17).
    const refused = this.#untrusted(db, PARTICIPANT_KEYS, row);
    if (refused !== undefined) return err(refused);
    const from = await this.studyKey(db, studyId, Number(row.kek_version));
    if (!from.ok) return from;
    const to = await this.studyKey(db, studyId, toVersion);
    if (!to.ok) return to;
    const context = participantKeyContext(row.participant_id, Number(row.key_version));
    const key = unwrapKey(from.value, row.wrapped_key, context);
    if (key === null) {
      return err(
        appError('INTEGRITY_ERROR', "A participant's data key failed its integrity check during rotation.", {
          participantId: row.participant_id,
        }),
      );
    }
    const updated = await repo.rewrapParticipantKey(db, {
      participantId: row.participant_id,
      fromKekVersion: Number(row.kek_version),
      toKekVersion: toVersion,
      wrappedKey: wrapKey(to.value, key, context),
    });
    key.fill(0);
    return ok(updated);
  }

  forgetStudyKey(studyId: string, version: number): void {
    this.#studyKeys.delete(`${studyId}/${version}`);
  }

  /** The per-study blind-index key, separate from every encryption key. */
  blindIndexKey(studyId: string): Buffer {
    let key = this.#blindKeys.get(studyId);
    if (key === undefined) {
      key = studyBlindIndexKey(this.#blindIndexRoot, studyId);
      this.#blindKeys.set(studyId, key);
    }
    return key;
  }

  /**
   * Key rows are checked before they are unwrapped (issue #17): a changed, copied or rolled-back row is
   * refused with ROW_TAMPERED. The composition root names the store (for the rows distrusted at
   * startup) and the reporter (audit event and alert); without them the MAC is still checked.
   */
  guardRows(guard: {
    readonly db: Kysely<Database>;
    report(binding: TableBinding, row: SealedRow): AppError;
  }) {
    this.#guard = guard;
  }

  #untrusted(db: Kysely<Database>, binding: TableBinding, row: SealedRow): AppError | undefined {
    if (untrustedRow(this.#guard?.db ?? db, this, binding, [row]) === undefined) return undefined;
    return this.#guard === undefined ? rowTampered(binding.table) : this.#guard.report(binding, row);
  }

  #remember(participantId: string, key: ParticipantKey): void {
    if (this.#participantKeys.size >= CACHE_LIMIT) {
      const oldest = this.#participantKeys.keys().next().value;
      if (oldest !== undefined) this.#participantKeys.delete(oldest);
    }
    this.#participantKeys.set(participantId, key);
  }
}
