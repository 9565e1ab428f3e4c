import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

/** `trialvault schedule import|show`: the visit schedule as JSON (docs/schedule.md), for scripted set-up. */
export function registerScheduleCommands(program: Command, context: CommandContext, open: Opener): void {
  const schedule = program
    .command('schedule')
    .description('the visit schedule of a study (events, windows, forms)');
  schedule
    .command('import')
    .description('replace the schedule from a JSON file {events:[...]} (a new version, audited)')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--file <file>', 'the schedule JSON')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; file: string; json?: boolean }) => {
      const json = opts.json === true;
      let input: unknown;
      try {
        input = JSON.parse(await readFile(opts.file, 'utf8'));
      } catch (error) {
        const why = error instanceof SyntaxError ? `is not JSON (${error.message})` : 'cannot be read';
        return context.fail(appError('VALIDATION_FAILED', `The schedule file ${why}.`), json);
      }
      await withVault(context, open, json, async (vault) => {
        const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
        if (!study.ok) return context.fail(study.error, json);
        const result = await vault.schedule.define(CLI_ACTOR, study.value.id, input);
        context.report(
          result,
          json,
          (s) => `Schedule version ${s.version} of ${opts.study}: ${s.events.map((e) => e.oid).join(', ')}.`,
        );
      });
    });
  schedule
    .command('show')
    .description('print the schedule')
    .requiredOption('--study <study>', 'study protocol id or id')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(
        context,
        open,
        json,
        async (vault) => {
          const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
          if (!study.ok) return context.fail(study.error, json);
          const result = await vault.schedule.get(CLI_ACTOR, study.value.id);
          context.report(result, json, (s) =>
            s.events
              .map(
                (e) =>
                  `${e.oid}\t${e.kind}\t${e.day === undefined ? '-' : `day ${e.day}`}\t${e.forms.join(',')}`,
              )
              .join('\n'),
          );
        },
        false,
      );
    });
}
