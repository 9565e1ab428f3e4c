import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { keySource, openVault, storeLocation } from '../app/vault.js';
import { loadBackupConfig } from '../backup/backup-config.js';
import type { BackupVerification, RecoveryInput } from '../backup/recover.js';
import type { RestoreDestination, RestoreReport } from '../backup/restore.js';
import { recordVerification } from '../backup/service.js';
import { loadSettings } from '../config/settings.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { SQLITE_FILE_NAME } from '../storage/store.js';
import { accessOf } from './context.js';
import type { CommandContext } from './main.js';

export interface RestoreOptions {
  id?: string;
  restoreKey?: string;
  keyBundle?: string;
  to?: string;
  toUrl?: string;
  keysTo?: string;
  from?: string;
  witness?: string[];
  json?: boolean;
}

/**
 * What `backup verify` and `backup restore` read: the target, the restore key file or an escrowed key
 * bundle, and the configured key directory only if it survived. The live store is never opened here.
 */
export function recoveryInput(
  context: CommandContext,
  opts: Pick<RestoreOptions, 'id' | 'restoreKey' | 'keyBundle' | 'from' | 'witness'>,
): Result<RecoveryInput> {
  const settings = loadSettings(context.env);
  if (!settings.ok) return settings;
  const source = keySource(settings.value);
  const survived = existsSync(source.keyDir) ? source : undefined;
  const configured = survived === undefined ? undefined : loadBackupConfig(source.keyDir);
  const target = opts.from ?? (configured?.ok === true ? configured.value.target : undefined);
  if (target === undefined)
    return err(
      appError(
        'CONFIG_INVALID',
        'Name the backup target with --from TARGET: the key directory that records it is missing or unreadable.',
      ),
    );
  return ok({
    target,
    restoreKeyFile: opts.restoreKey,
    keyBundleFile: opts.keyBundle,
    id: opts.id,
    passphrase: settings.value.passphrase,
    witnessFiles: opts.witness ?? [],
    survivingKeys: survived,
  });
}

export function destination(opts: RestoreOptions): Result<RestoreDestination> {
  if ((opts.to === undefined) === (opts.toUrl === undefined))
    return err(appError('CONFIG_INVALID', 'Give either --to NEW_DATA_DIR or --to-url postgres://...'));
  if (opts.toUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(opts.toUrl))
      return err(appError('CONFIG_INVALID', '--to-url must start with postgres:// or postgresql://.'));
    if (opts.keysTo === undefined)
      return err(appError('CONFIG_INVALID', 'A restore into PostgreSQL needs --keys-to NEW_KEY_DIR.'));
    return ok({
      postgres: { dialect: 'postgres', url: opts.toUrl },
      url: opts.toUrl,
      keyDir: resolve(opts.keysTo),
    });
  }
  const dataDir = resolve(opts.to ?? '');
  const keyDir = resolve(opts.keysTo ?? join(dirname(dataDir), `${basename(dataDir)}-keys`));
  if (keyDir === dataDir || keyDir.startsWith(`${dataDir}/`))
    return err(appError('CONFIG_INVALID', 'Keep the key directory apart from the data directory.'));
  return ok({ dataDir, keyDir });
}

/** A verification is recorded in the live store when it opens; verifying never depends on it. */
export async function recordInLiveStore(context: CommandContext, result: BackupVerification): Promise<void> {
  try {
    const settings = loadSettings(context.env);
    if (!settings.ok) return;
    // Never creates anything on the attacked machine: a missing store is simply not recorded in.
    const { dataDir, dbUrl } = settings.value;
    if (dbUrl === undefined && !existsSync(join(dataDir, SQLITE_FILE_NAME))) return;
    const location = storeLocation(settings.value);
    const vault = await openVault(location, keySource(settings.value), accessOf(settings.value));
    if (!vault.ok) return;
    try {
      await recordVerification(vault.value, result);
    } finally {
      await vault.value.close();
    }
  } catch {
    context.io.err(
      'trialvault: note: the live store does not open; this verification was not recorded in it.',
    );
  }
}

const quote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);

export function envLine(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
}

export function restoreText(r: RestoreReport): string {
  const env = envLine(r.serveEnv);
  const lost =
    r.lostFrom !== null
      ? `LOST: events ${r.lostFrom} to ${(r.lostThrough ?? 0) - 1} (published before the restore) are not in this backup; the restore is recorded in the ledger.`
      : r.lossWindowKnown
        ? 'No published event was lost.'
        : 'Loss window UNKNOWN: no readable witness copy newer than the backup was given (--witness FILE); events after the backup may be lost.';
  const proof =
    r.consistency === null
      ? 'No witnessed checkpoint to extend.'
      : `The log extends witnessed checkpoint ${r.consistency.size1} (root ${r.consistency.root1}): consistency proof to ${r.consistency.size2} [${r.consistency.proof.join(',')}]`;
  return [
    `Restored ${r.id} into ${r.file ?? 'the PostgreSQL database'} (${r.events} events); keys in ${r.keyDir} (0700).`,
    lost,
    `First checkpoint after recovery: ${r.checkpoint.size} (root ${r.checkpoint.root}).`,
    proof,
    ...(r.witnessConflicts > 0
      ? [
          `WARNING: ${r.witnessConflicts} witnessed checkpoint(s) contradict this backup (a fork): run verify and investigate.`,
        ]
      : []),
    `Verify: ${env} trialvault verify`,
    `Start:  ${env} trialvault serve`,
  ].join('\n');
}
