import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { DICTIONARY_FORMATS, type DictionaryFormat } from '../forms/forms-view.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

interface Common {
  study: string;
  json?: boolean;
}

/**
 * `trialvault forms import|publish|export|list`: form definitions as data dictionaries (JSON, REDCap
 * CSV, CDISC ODM; docs/forms.md), run as the operator on the server, each change audited.
 */
export function registerFormCommands(program: Command, context: CommandContext, open: Opener): void {
  const forms = program.command('forms').description('form definitions (CRFs) and data dictionaries');
  const studyOf = async (vault: Parameters<Parameters<typeof withVault>[3]>[0], study: string) =>
    vault.studies.getStudy(CLI_ACTOR, study);

  forms
    .command('import')
    .description('import a data dictionary (JSON, REDCap CSV or ODM XML, chosen by content) as drafts')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--file <file>', 'the dictionary file')
    .addOption(
      new Option('--format <format>', 'the format, when the content should not decide').choices(
        DICTIONARY_FORMATS,
      ),
    )
    .option('--json', 'print JSON')
    .action(async (opts: Common & { file: string; format?: DictionaryFormat }) => {
      const json = opts.json === true;
      let content: string;
      try {
        content = await readFile(opts.file, 'utf8');
      } catch {
        return context.fail(appError('VALIDATION_FAILED', 'The dictionary file cannot be read.'), json);
      }
      await withVault(context, open, json, async (vault) => {
        const study = await studyOf(vault, opts.study);
        if (!study.ok) return context.fail(study.error, json);
        const input = opts.format === undefined ? { content } : { content, format: opts.format };
        const result = await vault.forms.importDictionary(CLI_ACTOR, study.value.id, input);
        context.report(result, json, (r) =>
          r.drafts
            .map((d) => `${d.oid}\tversion ${d.version}\tdraft${d.created ? ' (new form)' : ''}`)
            .join('\n'),
        );
      });
    });

  forms
    .command('publish')
    .description("publish a form's draft as a new live version (audited with the reason)")
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--form <form>', 'form OID')
    .requiredOption('--reason <reason>', 'why this version is published')
    .option(
      '--confirm-clinical <fields>',
      'comma-separated fields that look like identifiers but are clinical',
    )
    .option('--json', 'print JSON')
    .action(async (opts: Common & { form: string; reason: string; confirmClinical?: string }) => {
      const json = opts.json === true;
      if (opts.reason.trim().length < 3) {
        return context.fail(
          appError('REASON_REQUIRED', 'Publishing needs a reason (at least 3 characters).'),
          json,
        );
      }
      await withVault(context, open, json, async (vault) => {
        const study = await studyOf(vault, opts.study);
        if (!study.ok) return context.fail(study.error, json);
        const confirmClinical = opts.confirmClinical
          ?.split(',')
          .map((f) => f.trim())
          .filter(Boolean);
        const result = await vault.forms.publish(CLI_ACTOR, study.value.id, opts.form, {
          reason: opts.reason.trim(),
          ...(confirmClinical === undefined ? {} : { confirmClinical }),
        });
        context.report(result, json, (v) => `${v.oid} version ${v.version} is live.`);
      });
    });

  forms
    .command('export')
    .description("write the study's forms (latest versions) as a data dictionary")
    .requiredOption('--study <study>', 'study protocol id or id')
    .addOption(
      new Option('--format <format>', 'json, csv (REDCap) or odm')
        .choices(DICTIONARY_FORMATS)
        .default('json'),
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--json', 'print JSON (the file and its forms)')
    .action(async (opts: Common & { format: DictionaryFormat; out?: string }) => {
      const json = opts.json === true;
      await withVault(
        context,
        open,
        json,
        async (vault) => {
          const study = await studyOf(vault, opts.study);
          if (!study.ok) return context.fail(study.error, json);
          const result = await vault.forms.exportDictionary(CLI_ACTOR, study.value.id, opts.format);
          if (!result.ok) return context.fail(result.error, json);
          const { content, ...summary } = result.value;
          if (opts.out !== undefined) {
            await writeFile(opts.out, content, { mode: 0o600 });
            context.report(
              { ok: true, value: { ...summary, file: opts.out } },
              json,
              (s) => `Wrote ${s.forms.length} form(s) to ${s.file}.`,
            );
          } else if (json) context.report(result, true, () => '');
          else {
            context.io.out(content.trimEnd());
            context.exit(0);
          }
        },
        false,
      );
    });

  forms
    .command('list')
    .description('list the forms and their versions')
    .requiredOption('--study <study>', 'study protocol id or id')
    .option('--json', 'print JSON')
    .action(async (opts: Common) => {
      const json = opts.json === true;
      await withVault(
        context,
        open,
        json,
        async (vault) => {
          const study = await studyOf(vault, opts.study);
          if (!study.ok) return context.fail(study.error, json);
          const result = await vault.forms.listForms(CLI_ACTOR, study.value.id);
          context.report(result, json, (rows) =>
            rows.map((r) => `${r.oid}\tversion ${r.version}\t${r.status}\t${r.name}`).join('\n'),
          );
        },
        false,
      );
    });
}
