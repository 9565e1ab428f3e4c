import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Env } from '../config/settings.js';
import { CLI_ACTOR } from '../core/actor.js';
import type { AppError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import { listDemoAccounts, seedDemoAccounts } from '../demo/demo-accounts.js';
import { registerAccessCommands } from './access-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { initConfiguredVault, openConfiguredVault } from './context.js';
import { publishCheckpoint, registerDataCommands } from './data-commands.js';
import { registerDeviceCommands } from './device-commands.js';
import { registerExportCommands } from './export-commands.js';
import { describeFailure } from './failure.js';
import { registerFormCommands } from './form-commands.js';
import { type CliIo, EXIT_OK, EXIT_USAGE, printError, processIo } from './io.js';
import { registerKeyCommands } from './key-commands.js';
import { registerLedgerCommands } from './ledger-commands.js';
import { registerScheduleCommands } from './schedule-commands.js';
import { serve } from './serve.js';
import { registerStudyCommands } from './study-commands.js';

/** "30s", "30m", "1h", "24h" in milliseconds (at least 10 seconds). */
function interval(value: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(value.trim());
  const unit = { s: 1000, m: 60_000, h: 3_600_000 } as const;
  const n = match === null ? Number.NaN : Number(match[1]) * unit[(match[2] ?? 's') as keyof typeof unit];
  if (!Number.isSafeInteger(n) || n < 10_000)
    throw new InvalidArgumentError('must be like 30m, 1h or 24h (at least 10s)');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly env: Env;
  /** Records the command's exit code. */
  exit(code: number): void;
  /** Prints a result as JSON or text and records the exit code; the vault is closed by the caller. */
  report<T>(result: Result<T>, json: boolean, text: (value: T) => string): void;
  fail(error: AppError, json: boolean): void;
}

/** Builds the command tree; every command sets an exit code instead of calling process.exit. */
export function buildProgram(context: CommandContext): Command {
  const { io, env } = context;
  const program = new Command('trialvault')
    .description('TrialVault: field-encrypted, tamper-evident clinical trial data')
    .exitOverride()
    // Options belong to the command they follow (so `export recipient --study` is the recipient's).
    .enablePositionalOptions()
    // A usage error is one line, like every other failure (an operator mid-recovery reads the first
    // line; ASVS 16.5.1): what is wrong, and where the options are. `--help` still prints them all.
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) =>
        write(
          `trialvault: usage: ${s
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')} (add --help for the options)\n`,
        ),
    });

  program
    .command('init')
    .description('create the key directory, the master key and the store (idempotent)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const opened = await initConfiguredVault(env);
      if (!opened.ok) return context.fail(opened.error, opts.json === true);
      const { vault, settings } = opened.value;
      await publishCheckpoint(context, vault);
      await vault.close();
      const summary = {
        created: vault.created,
        store: vault.store.dialect,
        dataDir: settings.dataDir,
        keyDir: settings.keyDir,
        keys: vault.keyring.providerDescription,
      };
      context.report({ ok: true, value: summary }, opts.json === true, (s) =>
        s.created
          ? `Initialized a ${s.store} store (keys: ${s.keys}).\n  data: ${s.dataDir}\n  keys: ${s.keyDir} (keep apart from the data and its backups)`
          : `Already initialized (${s.store} store).`,
      );
    });

  program
    .command('serve')
    .description('serve the HTTP API')
    .option('--host <host>', 'listen address (TRIALVAULT_HOST, default 127.0.0.1)')
    .addOption(new Option('--port <port>', 'listen port (TRIALVAULT_PORT, default 8080)').argParser(integer))
    .addOption(
      new Option('--backup-every <interval>', 'scheduled backups, e.g. 30m, 1h, 24h').argParser(interval),
    )
    .option(
      '--backup-to <target>',
      'backup target for scheduled backups (default: the one set by backup init)',
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'and this private key (PEM)')
    .action(
      async (opts: {
        host?: string;
        port?: number;
        backupEvery?: number;
        backupTo?: string;
        tlsCert?: string;
        tlsKey?: string;
      }) => {
        const opened = await openConfiguredVault(env);
        if (!opened.ok) return context.fail(opened.error, false);
        const { backupEvery, ...rest } = opts;
        context.exit(
          await serve(
            opened.value.vault,
            opened.value.settings,
            { ...rest, ...(backupEvery === undefined ? {} : { backupEveryMs: backupEvery }) },
            io,
          ),
        );
      },
    );

  program
    .command('demo')
    .description('seed a synthetic demo study (3 sites, 60 participants; not real persons)')
    .addOption(new Option('--seed <n>', 'random seed').argParser(integer).default(1))
    .option('--json', 'print JSON')
    .action(async (opts: { seed: number; json?: boolean }) => {
      const opened = await initConfiguredVault(env);
      if (!opened.ok) return context.fail(opened.error, opts.json === true);
      const result = await opened.value.vault.demo.seed(CLI_ACTOR, opts.seed);
      const accounts = result.ok ? await seedDemoAccounts(opened.value.vault) : undefined;
      if (accounts !== undefined && !accounts.ok)
        context.io.err(`trialvault: demo accounts: ${accounts.error.message}`);
      await publishCheckpoint(context, opened.value.vault);
      await opened.value.vault.close();
      context.report(
        result,
        opts.json === true,
        (r) =>
          `Seeded ${r.protocolId}: ${r.participants} participants, ${r.records} records (seed ${r.seed}).`,
      );
    });

  program
    .command('start')
    .description('init if needed, seed the demo if the store is empty, then serve (what npm start runs)')
    .option('--host <host>', 'listen address')
    .addOption(new Option('--port <port>', 'listen port').argParser(integer))
    .action(async (opts: { host?: string; port?: number }) => {
      const opened = await initConfiguredVault(env);
      if (!opened.ok) return context.fail(opened.error, false);
      const { vault, settings } = opened.value;
      if ((await vault.studies.listStudies(CLI_ACTOR)).length === 0) {
        const seeded = await vault.demo.seed(CLI_ACTOR, 1);
        if (!seeded.ok) {
          await vault.close();
          return context.fail(seeded.error, false);
        }
        io.out(
          `Seeded the demo study ${seeded.value.protocolId} (${seeded.value.participants} synthetic participants).`,
        );
        const accounts = await seedDemoAccounts(vault);
        if (!accounts.ok) {
          await vault.close();
          return context.fail(accounts.error, false);
        }
      }
      await publishCheckpoint(context, vault);
      const demo = await listDemoAccounts(vault);
      if (demo.length > 0) {
        io.out('Demo accounts (demo store only; password and TOTP secret are public):');
        for (const a of demo)
          io.out(
            `  ${a.role.padEnd(22)} ${a.email.padEnd(48)} password "${a.password}"  TOTP secret ${a.totpSecret}`,
          );
      }
      context.exit(await serve(vault, settings, opts, io));
    });

  registerDataCommands(program, context, openConfiguredVault);
  registerLedgerCommands(program, context, openConfiguredVault);
  registerAccessCommands(program, context, openConfiguredVault);
  registerBackupCommands(program, context, openConfiguredVault);
  registerDeviceCommands(program, context, openConfiguredVault);
  registerKeyCommands(program, context, openConfiguredVault);
  registerExportCommands(program, context, openConfiguredVault);
  registerScheduleCommands(program, context, openConfiguredVault);
  registerFormCommands(program, context, openConfiguredVault);
  registerStudyCommands(program, context, openConfiguredVault);
  return program;
}

/** Runs the CLI and returns its exit code (0 ok, 1 problem found, 2 usage or environment error). */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo,
  env: Env = process.env,
): Promise<number> {
  let code = EXIT_OK;
  const context: CommandContext = {
    io,
    env,
    exit: (c) => {
      code = c;
    },
    fail: (error, json) => {
      code = printError(io, error, json);
    },
    report: (result, json, text) => {
      if (!result.ok) {
        code = printError(io, result.error, json);
        return;
      }
      io.out(json ? JSON.stringify(result.value, null, 2) : text(result.value));
      code = EXIT_OK;
    },
  };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? EXIT_OK
        : EXIT_USAGE;
    }
    // Anything else a command did not expect: one clear line and exit code 2, never a stack trace.
    if (env.TRIALVAULT_DEBUG === '1' && error instanceof Error) io.err(error.stack ?? String(error));
    printError(io, describeFailure(error), argv.includes('--json'));
    return EXIT_USAGE;
  }
  return code;
}
