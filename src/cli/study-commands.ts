import type { Command } from 'commander';
import { CLI_ACTOR } from '../core/actor.js';
import { ok } from '../core/result.js';
import type { Site, Study } from '../studies/studies-view.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

const studyLine = (s: Study) => `${s.protocolId}\t${s.status}\t${s.isDemo ? 'DEMO\t' : ''}${s.title}`;
const siteLine = (s: Site) => `${s.code}\t${s.name}`;

/**
 * `trialvault studies create|list|status|title` and `trialvault sites add|list|rename`: setting a study
 * up without the demo seeder (docs/architecture.md). The operator acts as the system actor; every
 * change is audited like the same change over the API.
 */
export function registerStudyCommands(program: Command, context: CommandContext, open: Opener): void {
  const studies = program.command('studies').description('studies: create, list, move status');
  studies
    .command('list', { isDefault: true })
    .description('list studies (the default)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const json = opts.json === true;
      await withVault(
        context,
        open,
        json,
        async (vault) => {
          const all = await vault.studies.listStudies(CLI_ACTOR);
          context.report(ok(all), json, (ss) =>
            ss.length === 0 ? 'No studies.' : ss.map(studyLine).join('\n'),
          );
        },
        false,
      );
    });
  studies
    .command('create')
    .description('create a study (draft)')
    .requiredOption('--protocol <protocol>', 'protocol id: letters, digits, . _ - (never changes)')
    .requiredOption('--title <title>', 'title')
    .option('--json', 'print JSON')
    .action(async (opts: { protocol: string; title: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(context, open, json, async (vault) => {
        const made = await vault.studies.createStudy(CLI_ACTOR, {
          protocolId: opts.protocol,
          title: opts.title,
        });
        context.report(made, json, (s) => `Created study ${s.protocolId} (draft).`);
      });
    });
  studies
    .command('status')
    .description('move a study forward: draft -> live -> closed (closed is final)')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--to <status>', 'live or closed')
    .requiredOption('--reason <reason>', 'why (no protected values)')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; to: string; reason: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(context, open, json, async (vault) => {
        const moved = await vault.studies.changeStatus(CLI_ACTOR, opts.study, {
          status: opts.to,
          reason: opts.reason,
        });
        context.report(moved, json, (s) => `Study ${s.protocolId} is ${s.status}.`);
      });
    });
  studies
    .command('title')
    .description("change a study's title")
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--title <title>', 'the new title')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; title: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(context, open, json, async (vault) => {
        const edited = await vault.studies.editStudy(CLI_ACTOR, opts.study, { title: opts.title });
        context.report(edited, json, (s) => `Study ${s.protocolId}: ${s.title}.`);
      });
    });

  const sites = program.command('sites').description("a study's sites: add, list, rename");
  sites
    .command('add')
    .description('add a site to a study')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--code <code>', 'site code: upper case letters and digits (never changes)')
    .requiredOption('--name <name>', 'site name')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; code: string; name: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(context, open, json, async (vault) => {
        const added = await vault.studies.addSite(CLI_ACTOR, opts.study, {
          code: opts.code,
          name: opts.name,
        });
        context.report(added, json, (s) => `Added site ${s.code} (${s.name}) to ${opts.study}.`);
      });
    });
  sites
    .command('rename')
    .description('rename a site (its code stays)')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--site <site>', 'site code or id')
    .requiredOption('--name <name>', 'the new name')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; site: string; name: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(context, open, json, async (vault) => {
        const edited = await vault.studies.editSite(CLI_ACTOR, opts.study, opts.site, { name: opts.name });
        context.report(edited, json, siteLine);
      });
    });
  sites
    .command('list')
    .description("list a study's sites")
    .requiredOption('--study <study>', 'study protocol id or id')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; json?: boolean }) => {
      const json = opts.json === true;
      await withVault(
        context,
        open,
        json,
        async (vault) => {
          const listed = await vault.studies.listSites(CLI_ACTOR, opts.study);
          context.report(listed, json, (ss) => (ss.length === 0 ? 'No sites.' : ss.map(siteLine).join('\n')));
        },
        false,
      );
    });
}
