import { type Command, InvalidArgumentError, Option } from 'commander';
import { initVault, keySource, openVault } from '../app/vault.js';
import { runDrill } from '../backup/drill.js';
import { verifyBackup } from '../backup/recover.js';
import { restoreBackup } from '../backup/restore.js';
import { BackupService } from '../backup/service.js';
import { loadSettings } from '../config/settings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { type Opener, withVault } from './data-commands.js';
import { EXIT_OK, EXIT_PROBLEM } from './io.js';
import type { CommandContext } from './main.js';
import { type Attack, runOperatorDrill } from './operator-drill.js';
import {
  destination,
  type RestoreOptions,
  recordInLiveStore,
  recoveryInput,
  restoreText,
} from './recovery-options.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** `trialvault backup ...`: set up, create, verify, restore, prune, drill. */
export function registerBackupCommands(program: Command, context: CommandContext, open: Opener): void {
  const withBackups = (json: boolean, work: (backups: BackupService) => Promise<void>) =>
    withVault(
      context,
      async (env) => open(env),
      json,
      async (vault) => {
        const settings = loadSettings(context.env);
        if (!settings.ok) return context.fail(settings.error, json);
        await work(new BackupService(vault, keySource(settings.value), openVault));
      },
    );

  const backup = program.command('backup').description('immutable encrypted backups and verified restores');
  backup
    .command('init')
    .description(
      'create the backup key pair: the public key stays here, the restore key goes to FILE (keep it offline)',
    )
    .requiredOption('--to <target>', 'backup target directory (another host or account, see docs/backup.md)')
    .requiredOption('--restore-key-out <file>', 'where to write the private restore key (0600)')
    .option('--json', 'print JSON')
    .action(async (opts: { to: string; restoreKeyOut: string; json?: boolean }) =>
      withBackups(opts.json === true, async (backups) => {
        context.report(
          await backups.init(CLI_ACTOR, opts.to, opts.restoreKeyOut),
          opts.json === true,
          (r) =>
            `Backups go to ${r.target} (key ${r.fingerprint}). The restore key is in ${opts.restoreKeyOut}: move it offline now; the server cannot read its own backups.`,
        );
      }),
    );
  backup
    .command('create')
    .description('back up a consistent snapshot while the server keeps serving')
    .option('--to <target>', 'another prepared target')
    .option('--json', 'print JSON')
    .action(async (opts: { to?: string; json?: boolean }) =>
      withBackups(opts.json === true, async (backups) => {
        context.report(
          await backups.create(CLI_ACTOR, opts.to),
          opts.json === true,
          (r) =>
            `Backup ${r.id}: ${r.bytes} bytes in ${r.chunks} chunks (${r.newChunks} new, ${r.storedBytes} bytes written), checkpoint ${r.checkpoint ?? '-'}, ${r.seconds} s.`,
        );
      }),
    );
  backup
    .command('verify')
    .description(
      'read back every chunk, check the signed manifest, decrypt, and verify the ledger of the snapshot (needs only the target and the restore key)',
    )
    .option('--id <id>', 'backup id (default: the newest)')
    .option('--restore-key <file>', 'the offline restore key')
    .option('--key-bundle <file>', 'keys recovered from escrow (trialvault keys recover)')
    .option('--from <target>', 'the backup target (default: the one set by backup init)')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        id?: string;
        restoreKey?: string;
        keyBundle?: string;
        from?: string;
        json?: boolean;
      }) => {
        const input = recoveryInput(context, opts);
        if (!input.ok) return context.fail(input.error, opts.json === true);
        const result = await verifyBackup(input.value, openVault);
        if (result.ok) await recordInLiveStore(context, result.value);
        context.report(
          result,
          opts.json === true,
          (r) =>
            `${r.ledger.ok ? 'OK' : 'FINDINGS'}: backup ${r.id}, ${r.chunks} chunks, ${r.bytes} bytes, checkpoint ${r.checkpoint ?? '-'}, ${r.ledger.events} events verified.`,
        );
        if (result.ok && !result.value.ledger.ok) context.exit(EXIT_PROBLEM);
      },
    );
  backup
    .command('restore')
    .description(
      'restore a backup into a new store and key directory from the target and the restore key alone; records the loss window',
    )
    .option('--id <id>', 'backup id (default: the newest)')
    .option('--restore-key <file>', 'the offline restore key')
    .option('--key-bundle <file>', 'keys recovered from escrow (trialvault keys recover)')
    .option('--to <dir>', 'a new, empty data directory (SQLite)')
    .option(
      '--to-url <url>',
      'an empty PostgreSQL database or schema (postgres://...; search_path in options)',
    )
    .option('--keys-to <dir>', 'a new key directory (default: the data directory name + "-keys")')
    .option('--from <target>', 'the backup target (default: the one set by backup init)')
    .option(
      '--witness <file>',
      'a copy of the witness kept elsewhere (repeatable): tells what was lost',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option('--json', 'print JSON')
    .action(async (opts: RestoreOptions) => {
      const json = opts.json === true;
      const input = recoveryInput(context, opts);
      if (!input.ok) return context.fail(input.error, json);
      const to = destination(opts);
      if (!to.ok) return context.fail(to.error, json);
      const result = await restoreBackup(CLI_ACTOR, input.value, to.value, openVault);
      context.report(result, json, (r) => restoreText(r));
    });
  backup
    .command('prune')
    .description('apply a retention policy (needs the prune credential in the offline restore key file)')
    .addOption(new Option('--keep <n>', 'backups to keep').argParser(count).makeOptionMandatory())
    .requiredOption('--restore-key <file>', 'the offline restore key (holds the prune credential)')
    .option('--json', 'print JSON')
    .action(async (opts: { keep: number; restoreKey: string; json?: boolean }) =>
      withBackups(opts.json === true, async (backups) => {
        context.report(
          await backups.prune(opts.keep, opts.restoreKey),
          opts.json === true,
          (r) => `Removed ${r.removedBackups.length} backup(s) and ${r.removedChunks} chunk(s).`,
        );
      }),
    );
  backup
    .command('status')
    .description('the last backup, the last verified backup and the recovery point')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      withBackups(opts.json === true, async (backups) => {
        const status = await backups.status();
        context.report({ ok: true, value: status }, opts.json === true, (s) =>
          [
            `last backup:   ${s.lastBackup === null ? 'none' : `${s.lastBackup.id} at ${s.lastBackup.at}`}`,
            `last verified: ${s.lastVerified === null ? 'never' : `${s.lastVerified.id} at ${s.lastVerified.at} (${s.lastVerified.ok ? 'ok' : 'FAILED'})`}`,
            `recovery point (newest verified backup): ${s.recoveryPoint ?? 'none'}`,
          ].join('\n'),
        );
      }),
    );
  backup
    .command('drill')
    .description('ransomware drill on a synthetic store in a temporary place (never the real store)')
    .option('--megabytes <n>', 'grow the synthetic store to this size first (e.g. 1024 for 1 GB)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65536) throw new InvalidArgumentError('must be 1 to 65536');
      return n;
    })
    .addOption(
      new Option(
        '--attack <what>',
        "the operator's drill through this CLI as separate processes: overwrite the store, encrypt the keys, or all (and delete the key directory)",
      ).choices(['store', 'keys', 'all']),
    )
    .option(
      '--db-url <url>',
      'with --attack: run on PostgreSQL (new schemas in this database, dropped after)',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; megabytes?: number; attack?: Attack; dbUrl?: string }) => {
      if (opts.attack !== undefined) {
        const drill = await runOperatorDrill(opts.attack, { dbUrl: opts.dbUrl });
        context.report(
          drill,
          opts.json === true,
          (r) =>
            `Drill (${r.attack}, ${r.dialect}) passed: restored ${r.backup} from the target and the restore key alone; server answered /healthz, the revealed value equals the original, verify passes; events ${r.lostFrom} to ${(r.lostThrough ?? 0) - 1} reported lost; ${r.secondsToRecover} s to recover.`,
        );
        return;
      }
      const report = await runDrill(
        { init: initVault, open: openVault },
        undefined,
        opts.megabytes === undefined ? {} : { megabytes: opts.megabytes },
      );
      context.report(
        report,
        opts.json === true,
        (r) =>
          `Drill passed: backup ${r.backup}, ${r.recordsCompared} records equal after restore, ${r.eventsLost} events reported lost, restored store verifies, tampered chunk refused.`,
      );
      if (report.ok) context.exit(EXIT_OK);
    });
}
