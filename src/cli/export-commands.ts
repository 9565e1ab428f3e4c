import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { DATE_TREATMENTS, EXPORT_PROFILES } from '../export/export-dataset.js';
import { DATE_TREATMENT_LABELS } from '../export/export-view.js';
import type { ExportReport } from '../export/service.js';
import { type Opener, withVault } from './data-commands.js';
import type { CommandContext } from './main.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function summary(r: ExportReport): string {
  const files = r.files.map((f) => `  ${f.name}  sha256 ${f.sha256}  ${f.bytes} bytes`).join('\n');
  return [
    `Export ${r.exportId} (${r.profile}, ${r.format}) of ${r.study} for ${r.recipient}: ${r.rows} rows.`,
    `Dates: ${DATE_TREATMENT_LABELS[r.dates]}.`,
    `Risk: k = ${r.risk.k} (threshold ${r.risk.threshold}) over ${r.risk.quasiIdentifiers.join(', ') || 'no quasi-identifier'}; ${r.risk.participants} participants in ${r.risk.classes} classes.`,
    ...(r.encrypted ? [`Encrypted (age) to the recipient's key ${r.recipientKey}.`] : []),
    files,
  ].join('\n');
}

interface ExportOpts {
  study: string;
  profile: string;
  dates?: string;
  format: string;
  out: string;
  recipient?: string;
  purpose?: string;
  suppress?: string[];
  request?: string;
  json?: boolean;
}

/** `trialvault export ...`: exports as the operator on the server, attribution, recipients (docs/export.md). */
export function registerExportCommands(program: Command, context: CommandContext, open: Opener): void {
  const command = program
    .command('export')
    // The subcommands (identify, recipient, threshold) take options of the same names as the export.
    .enablePositionalOptions()
    .description('export a study (de-identified, limited data set, or identified with an approved request)')
    .option('--study <study>', 'study protocol id or id')
    // A mistyped choice is a usage error (exit 2), as every other bad option (review r16 F8).
    .addOption(
      new Option('--profile <profile>', 'deidentified | limited | identified').choices(EXPORT_PROFILES),
    )
    .addOption(
      new Option(
        '--dates <treatment>',
        'de-identified dates: year (HIPAA Safe Harbor, the default) | shift (keyed per-participant shift, intervals kept: expert determination required)',
      ).choices(DATE_TREATMENTS),
    )
    .option('--format <format>', 'csv (odm, fhir when available)', 'csv')
    .option('--out <dir>', 'directory for the files (created; must not hold files of the same names)')
    .option('--recipient <name>', 'who receives the files (required for limited and identified)')
    .option('--purpose <text>', 'why (required for limited and identified)')
    .option('--suppress <fields>', 'quasi-identifiers to suppress, comma-separated', list)
    .option('--request <id>', 'the approved dual-control request (identified exports)')
    .option('--json', 'print JSON: files, SHA-256 and the risk report')
    .action(async (opts: ExportOpts) => {
      const json = opts.json === true;
      if (opts.study === undefined || opts.profile === undefined || opts.out === undefined)
        return context.fail(
          appError('VALIDATION_FAILED', 'export needs --study, --profile and --out.'),
          json,
        );
      await withVault(context, open, json, async (vault) => {
        const dir = resolve(opts.out);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const input = {
          profile: opts.profile,
          format: opts.format,
          ...(opts.dates === undefined ? {} : { dates: opts.dates }),
          ...(opts.recipient === undefined ? {} : { recipient: opts.recipient }),
          ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
          ...(opts.suppress === undefined ? {} : { suppress: opts.suppress }),
          ...(opts.request === undefined ? {} : { request: opts.request }),
        };
        const made = await vault.exports.createIn(CLI_ACTOR, opts.study, input, dir);
        if (!made.ok && made.error.code === 'EXPORT_REFUSED' && !json) {
          context.io.err(`trialvault: EXPORT_REFUSED: ${made.error.message}`);
          return context.exit(1);
        }
        context.report(made, json, summary);
      });
    });

  command
    .command('identify <file>')
    .description('name the export a leaked file (or a fragment of it) came from')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const json = opts.json === true;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return context.fail(appError('VALIDATION_FAILED', 'The file cannot be read.'), json);
      }
      await withVault(context, open, json, async (vault) => {
        const found = await vault.exports.identify(CLI_ACTOR, text);
        context.report(found, json, (r) => {
          const best = r.candidates[0];
          if (best === undefined)
            return `No export matches this file (${r.rows} rows, ${r.subjects} subjects).`;
          return `From export ${best.exportId} (${best.profile}, ${best.createdAt}) for ${best.recipient} (purpose: ${best.purpose}): ${best.subjects} subjects, ${best.canaries} canaries matched, dates ${Math.round(best.dates * 100)}%.`;
        });
      });
    });

  command
    .command('recipient')
    .description('record an export recipient: blinding and data use agreement')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--name <name>', 'the recipient')
    .option('--unblinded', 'the recipient may receive allocation fields (e.g. a DMC)')
    .option('--dua <reference>', 'the data use agreement (needed for a limited data set)')
    .option('--dua-expires <date>', 'last day of the data use agreement (YYYY-MM-DD)')
    .option('--age-key <key>', "the recipient's age public key (age1...): its exports are encrypted to it")
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        study: string;
        name: string;
        unblinded?: boolean;
        dua?: string;
        duaExpires?: string;
        ageKey?: string;
        json?: boolean;
      }) => {
        const json = opts.json === true;
        await withVault(context, open, json, async (vault) => {
          const saved = await vault.exports.recipients.save(CLI_ACTOR, opts.study, {
            name: opts.name,
            unblinded: opts.unblinded === true,
            ...(opts.dua === undefined ? {} : { duaReference: opts.dua }),
            ...(opts.duaExpires === undefined ? {} : { duaExpiresOn: opts.duaExpires }),
            ...(opts.ageKey === undefined ? {} : { ageRecipient: opts.ageKey }),
          });
          context.report(
            saved,
            json,
            (r) =>
              `Recipient ${r.name} recorded${r.duaReference ? ` (DUA ${r.duaReference})` : ''}${r.keyFingerprint ? `, exports encrypted to ${r.keyFingerprint}` : ''}.`,
          );
        });
      },
    );

  command
    .command('threshold')
    .description("set the study's k-anonymity threshold (default 5)")
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption('--k <k>', 'smallest group size allowed', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; k: number; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const set = await vault.exports.recipients.setThreshold(CLI_ACTOR, opts.study, opts.k);
        context.report(set, opts.json === true, (r) => `k-anonymity threshold set to ${r.k}.`);
      });
    });
}
