import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { keySource } from '../app/vault.js';
import { loadRestoreKey } from '../backup/backup-config.js';
import { escrowShares, recoverFromShares, writeBundleFile, writeShareFiles } from '../backup/escrow.js';
import { collectKeyBundle, readStoreKeyMeta } from '../backup/key-bundle.js';
import { loadSettings } from '../config/settings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { transact } from '../storage/transact.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 2 || n > 255) throw new InvalidArgumentError('must be 2 to 255');
  return n;
}

/** `trialvault keys escrow` and `keys recover`: Shamir shares of the key-recovery bundle for custodians. */
export function registerKeyCommands(program: Command, context: CommandContext, open: Opener): void {
  const keys = program.commands.find((c) => c.name() === 'keys') ?? program.command('keys');
  keys
    .command('escrow')
    .description('split the keys that open the data into N Shamir shares, any K of which recover them')
    .addOption(
      new Option('--shares <n>', 'number of shares (custodians)').argParser(count).makeOptionMandatory(),
    )
    .addOption(
      new Option('--threshold <k>', 'shares needed to recover').argParser(count).makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'a new directory for the share files (hand each to one custodian)')
    .option(
      '--restore-key <file>',
      'also escrow the offline restore key (then K shares and the target restore)',
    )
    .option('--json', 'print JSON')
    .action(
      async (opts: { shares: number; threshold: number; out: string; restoreKey?: string; json?: boolean }) =>
        withVault(context, open, opts.json === true, async (vault) => {
          const settings = loadSettings(context.env);
          if (!settings.ok) return context.fail(settings.error, opts.json === true);
          const meta = await readStoreKeyMeta(vault.store.db);
          if (meta === undefined)
            return context.fail(
              appError('STORE_NOT_INITIALIZED', 'The store is not initialized.'),
              opts.json === true,
            );
          const bundle = collectKeyBundle(keySource(settings.value).keyDir, meta);
          if (!bundle.ok) return context.fail(bundle.error, opts.json === true);
          let restoreKeyFile: Record<string, unknown> | undefined;
          if (opts.restoreKey !== undefined) {
            const checked = loadRestoreKey(opts.restoreKey);
            if (!checked.ok) return context.fail(checked.error, opts.json === true);
            restoreKeyFile = JSON.parse(readFileSync(opts.restoreKey, 'utf8')) as Record<string, unknown>;
          }
          const shares = await escrowShares(
            restoreKeyFile === undefined ? bundle.value : { ...bundle.value, restoreKeyFile },
            opts.shares,
            opts.threshold,
          );
          if (!shares.ok) return context.fail(shares.error, opts.json === true);
          const written = writeShareFiles(opts.out, shares.value);
          if (!written.ok) return context.fail(written.error, opts.json === true);
          const set = shares.value[0]?.set ?? '';
          await transact(vault.store.db, async (trx) => {
            await appendAuditEvent(trx, vault.deps, {
              actor: CLI_ACTOR,
              action: 'keys.escrow',
              target: set,
              details: {
                shares: opts.shares,
                threshold: opts.threshold,
                restoreKeyIncluded: restoreKeyFile !== undefined,
              },
            });
            return ok(null);
          });
          context.report(
            ok({ set, shares: opts.shares, threshold: opts.threshold, files: written.value }),
            opts.json === true,
            (r) =>
              [
                `Escrow set ${r.set}: ${r.shares} shares, any ${r.threshold} recover the keys; fewer reveal nothing.`,
                ...r.files.map((f) => `  ${f}`),
                'Hand each file to a different custodian, then delete this directory.',
              ].join('\n'),
          );
        }),
    );
  keys
    .command('recover')
    .description('rebuild the key bundle from K escrow shares (no server or store needed)')
    .requiredOption('--share <file>', 'a share file (repeat K times)', (v: string, acc: string[] = []) => [
      ...acc,
      v,
    ])
    .requiredOption('--out <file>', 'where to write the key bundle (0600) for backup restore --key-bundle')
    .option('--json', 'print JSON')
    .action(async (opts: { share: string[]; out: string; json?: boolean }) => {
      const bundle = await recoverFromShares(opts.share);
      const written = bundle.ok ? writeBundleFile(opts.out, bundle.value) : bundle;
      context.report(
        written.ok && bundle.ok
          ? ok({
              file: written.value,
              storeId: bundle.value.storeId,
              restoreKeyIncluded: bundle.value.restoreKeyFile !== undefined,
            })
          : written.ok
            ? err(appError('INTERNAL', 'unreachable'))
            : written,
        opts.json === true,
        (r) =>
          `Recovered the keys of store ${r.storeId} into ${r.file}${r.restoreKeyIncluded ? ' (with the restore key)' : ''}. Next: trialvault backup restore --from TARGET --key-bundle ${r.file} --to NEW_DIR`,
      );
    });
}
