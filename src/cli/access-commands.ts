import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

function days(value: string): number {
  const match = /^(\d{1,3})d?$/.exec(value.trim());
  const n = match === null ? Number.NaN : Number(match[1]);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new InvalidArgumentError('must be 1d to 365d');
  return n;
}

/** Operator commands for accounts, grants and API tokens (all audited). */
export function registerAccessCommands(program: Command, context: CommandContext, open: Opener): void {
  const run = (json: boolean, work: (vault: Vault) => Promise<void>) => withVault(context, open, json, work);

  const users = program
    .command('users')
    .description('user accounts (created by operators; disabled, never deleted)');
  users
    .command('add')
    .requiredOption('--email <email>', 'e-mail (unique, never reassigned)')
    .requiredOption('--name <name>', 'printed name (used in electronic signatures)')
    .option(
      '--password-file <file>',
      'read the initial password from a file; without it one is generated and shown once',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { email: string; name: string; passwordFile?: string; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        let password: string | undefined;
        if (opts.passwordFile !== undefined) {
          try {
            password = readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
          } catch {
            return context.fail(
              appError('NOT_FOUND', 'The password file cannot be read.'),
              opts.json === true,
            );
          }
        }
        const result = await vault.users.addUser(CLI_ACTOR, {
          email: opts.email,
          name: opts.name,
          ...(password === undefined ? {} : { password }),
        });
        context.report(result, opts.json === true, (r) =>
          [
            `Added ${r.user.email} (${r.user.id}).`,
            ...(r.initialPassword === undefined
              ? []
              : [`Initial password (shown once): ${r.initialPassword}`]),
          ].join('\n'),
        );
      }),
    );
  users
    .command('grant')
    .requiredOption('--email <email>', 'the user')
    .requiredOption(
      '--role <role>',
      'system_admin, study_admin, principal_investigator, coordinator, monitor, data_manager, statistician, unblinded_pharmacist, finance',
    )
    .option('--study <study>', 'study protocol id (all but system_admin)')
    .option('--site <site>', 'limit the grant to one site')
    .option('--json', 'print JSON')
    .action(async (opts: { email: string; role: string; study?: string; site?: string; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        const { json: _json, ...input } = opts;
        context.report(
          await vault.users.grant(CLI_ACTOR, input),
          opts.json === true,
          (g) =>
            `Granted ${g.role}${g.study === null ? '' : ` in ${g.study}`}${g.site === null ? '' : ` at ${g.site}`} (grant ${g.id}).`,
        );
      }),
    );
  users
    .command('revoke <grant>')
    .description('revoke a grant (by the id that grant printed)')
    .option('--json', 'print JSON')
    .action(async (grant: string, opts: { json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(
          await vault.users.revokeGrant(CLI_ACTOR, grant),
          opts.json === true,
          (g) => `Revoked grant ${g.id}.`,
        );
      }),
    );
  users
    .command('disable')
    .requiredOption('--email <email>', 'the user')
    .option('--json', 'print JSON')
    .action(async (opts: { email: string; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(
          await vault.users.disable(CLI_ACTOR, opts.email),
          opts.json === true,
          (u) => `Disabled ${u.email}; their sessions have ended.`,
        );
      }),
    );
  users
    .command('unlock')
    .description('unlock an account locked by wrong passwords or second-factor codes (audited)')
    .requiredOption('--email <email>', 'the user')
    .option('--json', 'print JSON')
    .action(async (opts: { email: string; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.users.unlock(CLI_ACTOR, opts.email), opts.json === true, (u) =>
          u.wasLocked ? `Unlocked ${u.email}.` : `${u.email} was not locked; its counters are reset.`,
        );
      }),
    );
  users
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.users.list(CLI_ACTOR), opts.json === true, (us) =>
          us.map((u) => `${u.email}\t${u.status}\t${u.mfa ? 'mfa' : 'no mfa'}\t${u.name}`).join('\n'),
        );
      }),
    );

  const tokens = program
    .command('tokens')
    .description('API tokens for integrations (shown once, stored hashed)');
  tokens
    .command('create')
    .description("a token for a named user; its scopes must be among that user's own grants in the study")
    .requiredOption('--email <email>', 'the user the token acts for (and whose grants bound it)')
    .requiredOption('--study <study>', 'the one study it may act on')
    .requiredOption(
      '--scopes <scopes>',
      'comma-separated actions the user holds in the study, e.g. study.read,record.read; never system or administrative actions',
    )
    .addOption(new Option('--expires <days>', 'lifetime, e.g. 30d').argParser(days).default(30))
    .option('--json', 'print JSON')
    .action(async (opts: { email: string; study: string; scopes: string; expires: number; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        const result = await vault.tokens.create(CLI_ACTOR, {
          email: opts.email,
          study: opts.study,
          scopes: opts.scopes
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
          expiresDays: opts.expires,
        });
        context.report(
          result,
          opts.json === true,
          (t) => `Token ${t.id} (expires ${t.expiresAt}); shown once:\n${t.token}`,
        );
      }),
    );
  tokens
    .command('revoke <id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(
          await vault.tokens.revoke(CLI_ACTOR, id),
          opts.json === true,
          (t) => `Revoked ${t.id}.`,
        );
      }),
    );
}
