import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { VerifyReport } from '../ledger/verify.js';
import { Witness, type WitnessEntry } from '../ledger/witness.js';
import { SQLITE_FILE_NAME, type StoreLocation } from '../storage/store.js';
import type { KeySource } from '../vault/bootstrap.js';
import { loadRestoreKey, parseRestoreKey, type RestoreKey } from './backup-config.js';
import { type KeyBundle, openSealedBundle, parseBundle, writeKeyDirectory } from './key-bundle.js';
import type { Manifest } from './manifest.js';
import { readManifest, restoreSnapshot } from './reassemble.js';
import { DirectoryTarget } from './repository.js';
import type { RestoredVault, VaultOpener } from './vault-opener.js';

/**
 * What a recovery needs, and nothing from the attacked machine (ransomware, docs/backup.md): the backup
 * target, the offline restore key file (or an escrowed key bundle holding it), and optionally a copy of
 * the witness kept elsewhere. A surviving key directory is used only for backups made before manifests
 * carried their keys, and for the erasure register when it survived.
 */
export interface RecoveryInput {
  readonly target: string;
  readonly restoreKeyFile?: string | undefined;
  /** A key bundle recovered from escrow shares (`trialvault keys recover`). */
  readonly keyBundleFile?: string | undefined;
  readonly id?: string | undefined;
  readonly passphrase?: string | undefined;
  /** Witness copies kept elsewhere (another host): they tell the restore what was lost. */
  readonly witnessFiles?: readonly string[];
  /** The configured key directory, if it survived. */
  readonly survivingKeys?: KeySource | undefined;
}

export interface OpenedBackup {
  readonly target: DirectoryTarget;
  readonly manifest: Manifest;
  readonly restoreKey: RestoreKey;
  /** Undefined only for an older backup restored with a surviving key directory. */
  readonly bundle: KeyBundle | undefined;
}

function readable(file: string | undefined): boolean {
  try {
    return file !== undefined && existsSync(file) && readFileSync(file).length >= 0;
  } catch {
    return false;
  }
}

/** The signed manifest and the keys that open its backup, from the target and the key material given. */
export function openBackup(input: RecoveryInput): Result<OpenedBackup> {
  let bundle: KeyBundle | undefined;
  if (input.keyBundleFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(input.keyBundleFile);
    } catch {
      return err(appError('KEY_UNAVAILABLE', 'The key bundle file cannot be read.'));
    }
    const parsed = parseBundle(bytes);
    if (!parsed.ok) return parsed;
    bundle = parsed.value;
  }
  const restoreKey =
    input.restoreKeyFile !== undefined
      ? loadRestoreKey(input.restoreKeyFile)
      : bundle?.restoreKeyFile !== undefined
        ? parseRestoreKey(bundle.restoreKeyFile)
        : err<RestoreKey>(
            appError(
              'KEY_UNAVAILABLE',
              'Give the offline restore key (--restore-key FILE), or a key bundle recovered from escrow that holds it.',
            ),
          );
  if (!restoreKey.ok) return restoreKey;
  const target = new DirectoryTarget(input.target);
  if (!target.exists())
    return err(
      appError('NOT_FOUND', 'The backup target is not a TrialVault backup target (no repo.json there).', {
        target: input.target,
      }),
    );
  const manifest = readManifest(target, input.id, restoreKey.value);
  if (!manifest.ok) return manifest;
  if (bundle === undefined && manifest.value.keys !== undefined) {
    const opened = openSealedBundle(restoreKey.value.privateKey, manifest.value.id, manifest.value.keys);
    if (!opened.ok) return opened;
    bundle = opened.value;
  }
  if (bundle === undefined && !readable(join(input.survivingKeys?.keyDir ?? '', 'ledger-signing.key')))
    return err(
      appError(
        'KEY_UNAVAILABLE',
        'This backup predates manifest-sealed keys and no key directory survived: recover the keys from escrow (trialvault keys recover) and pass --key-bundle.',
        { backup: manifest.value.id },
      ),
    );
  return ok({ target, manifest: manifest.value, restoreKey: restoreKey.value, bundle });
}

/** Witness entries from every copy given, deduplicated, oldest first; unreadable copies are skipped. */
export function mergeWitness(files: readonly string[], copies: readonly Buffer[]): WitnessEntry[] {
  const seen = new Map<string, WitnessEntry>();
  const texts = [...copies.map((c) => c.toString('utf8'))];
  for (const f of files) if (readable(f)) texts.push(readFileSync(f, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'tv-witness-'));
  try {
    texts.forEach((text, i) => {
      const file = join(dir, `${i}.log`);
      writeFileSync(file, text);
      for (const e of new Witness(file, undefined).read().entries) seen.set(`${e.size}/${e.root}`, e);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [...seen.values()].sort((a, b) => a.size - b.size || a.time.localeCompare(b.time));
}

/** Opens the reassembled snapshot with the backup's own keys (a key directory written in `keyDir`). */
export async function openRestored(
  open: VaultOpener,
  opened: OpenedBackup,
  location: StoreLocation,
  keyDir: string,
  input: RecoveryInput,
  witnessFile: string,
): Promise<Result<{ vault: RestoredVault; source: KeySource }>> {
  let source: KeySource;
  if (opened.bundle !== undefined) {
    const written = writeKeyDirectory(opened.bundle, keyDir);
    if (!written.ok) return written;
    source = { keyDir, passphrase: input.passphrase, witnessFile, witnessUrl: undefined };
  } else {
    const survived = input.survivingKeys as KeySource;
    source = {
      ...survived,
      passphrase: input.passphrase ?? survived.passphrase,
      witnessFile,
      witnessUrl: undefined,
    };
  }
  const vault = await open(location, source);
  return vault.ok ? ok({ vault: vault.value, source }) : vault;
}

export interface BackupVerification {
  readonly id: string;
  readonly checkpoint: number | null;
  readonly bytes: number;
  readonly chunks: number;
  readonly createdAt: string;
  readonly ledger: VerifyReport;
}

/**
 * Reads back every chunk, decrypts into a temporary store with the backup's own keys (opened by `open`,
 * the composition root's), and runs the full ledger verification against the checkpoint the manifest
 * names. Never opens the live store.
 */
export async function verifyBackup(
  input: RecoveryInput,
  open: VaultOpener,
): Promise<Result<BackupVerification>> {
  const opened = openBackup(input);
  if (!opened.ok) return opened;
  const { manifest } = opened.value;
  const dir = mkdtempSync(join(tmpdir(), 'tv-verify-'));
  try {
    const restored = await restoreSnapshot(
      opened.value.target,
      manifest,
      opened.value.restoreKey,
      join(dir, 'store'),
    );
    if (!restored.ok) return restored;
    // Checked against the manifest's own checkpoint: later published checkpoints are expected to be ahead.
    const witnessFile = join(dir, 'witness.log');
    if (manifest.checkpoint !== null)
      new Witness(witnessFile, undefined).append({ ...manifest.checkpoint, time: manifest.createdAt });
    const vault = await openRestored(
      open,
      opened.value,
      { dialect: 'sqlite', file: join(dir, 'store', SQLITE_FILE_NAME) },
      join(dir, 'keys'),
      input,
      witnessFile,
    );
    if (!vault.ok) return vault;
    try {
      const ledger = await vault.value.vault.ledger.verify();
      return ok({
        id: manifest.id,
        checkpoint: manifest.checkpoint?.size ?? null,
        bytes: restored.value.bytes,
        chunks: manifest.chunks.length,
        createdAt: manifest.createdAt,
        ledger,
      });
    } finally {
      await vault.value.vault.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
