import type { Command } from 'commander';
import type { Vault } from '../app/vault.js';
import type { Env, Settings } from '../config/settings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import { PARTICIPANT_STATUSES, STATUS_LABELS } from '../participants/participants-view.js';
import type { CommandContext } from './main.js';
import { importOdmFile } from './odm-import-command.js';

export type Opener = (env: Env) => Promise<Result<{ vault: Vault; settings: Settings }>>;

/** Runs `work` on an opened vault and always closes it. */
export async function withVault(
  context: CommandContext,
  open: Opener,
  json: boolean,
  work: (vault: Vault) => Promise<void>,
  publish = true,
): Promise<void> {
  const opened = await open(context.env);
  if (!opened.ok) return context.fail(opened.error, json);
  try {
    await work(opened.value.vault);
    if (publish) await publishCheckpoint(context, opened.value.vault);
  } finally {
    await opened.value.vault.close();
  }
}

/** Every command that appended events publishes a checkpoint, so the witness covers its changes. */
export async function publishCheckpoint(context: CommandContext, vault: Vault): Promise<void> {
  const made = await vault.ledger.checkpointIfBehind();
  if (!made.ok) context.io.err(`trialvault: warning: no checkpoint was published: ${made.error.message}`);
  else if (made.value?.witnessWarning !== undefined)
    context.io.err(`trialvault: warning: ${made.value.witnessWarning}`);
}

/** A participant named by id, or by subject id within --study. */
export async function findParticipant(vault: Vault, ref: string, study: string | undefined) {
  if (study === undefined) return vault.participants.get(CLI_ACTOR, ref);
  const found = await vault.studies.getStudy(CLI_ACTOR, study);
  if (!found.ok) return found;
  const bySubject = await vault.participants.findBySubject(CLI_ACTOR, found.value.id, ref);
  return bySubject.ok ? bySubject : vault.participants.get(CLI_ACTOR, ref);
}

export function registerDataCommands(program: Command, context: CommandContext, open: Opener): void {
  program
    .command('import')
    .description('bulk import participants and records (CSV, JSON Lines, JSON); all or nothing')
    .requiredOption('--study <study>', 'study protocol id or id')
    .requiredOption(
      '--file <file>',
      'the file (.csv, .jsonl, .ndjson, .json; .xml: an ODM ClinicalData export)',
    )
    .option('--site <site>', 'ODM: the site for subjects the file places at none')
    .requiredOption('--reason <reason>', 'reason for the change (recorded with every change)')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; file: string; reason: string; site?: string; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
        if (!study.ok) return context.fail(study.error, opts.json === true);
        if (opts.file.toLowerCase().endsWith('.xml'))
          return importOdmFile(context, vault, study.value.id, opts);
        const result = await vault.imports.importFile(CLI_ACTOR, study.value.id, opts.file, opts.reason);
        context.report(
          result,
          opts.json === true,
          (r) =>
            `Imported ${r.file} (sha256 ${r.sha256.slice(0, 16)}...): ${r.participantsCreated} participants created, ${r.recordsCreated} records created, ${r.recordsUpdated} updated, ${r.recordsUnchanged} unchanged.`,
        );
      });
    });

  const keys = program.command('keys').description('key management');
  keys
    .command('rotate')
    .description('rotate study keys and rewrap participant keys (online); all studies unless --study')
    .option('--study <study>', 'study protocol id or id')
    .option('--json', 'print JSON')
    .action(async (opts: { study?: string; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const targets = opts.study === undefined ? await vault.studies.listStudies(CLI_ACTOR) : [];
        if (opts.study !== undefined) {
          const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
          if (!study.ok) return context.fail(study.error, opts.json === true);
          targets.push(study.value);
        }
        const reports = [];
        for (const study of targets) {
          const report = await vault.keys.rotateStudy(CLI_ACTOR, study.id);
          if (!report.ok) return context.fail(report.error, opts.json === true);
          reports.push(report.value);
        }
        context.report(ok(reports), opts.json === true, (rs) =>
          rs.length === 0
            ? 'No study to rotate.'
            : rs
                .map(
                  (r) =>
                    `${r.protocolId}: study key v${r.fromVersion} -> v${r.toVersion}, ${r.rewrapped} participant keys rewrapped, ${r.retiredVersions} old version(s) destroyed.`,
                )
                .join('\n'),
        );
      });
    });

  const participants = program.command('participants').description('participants');
  participants
    .command('list')
    .requiredOption('--study <study>', 'study protocol id or id')
    .option('--site <site>', 'site code')
    .option('--json', 'print JSON')
    .action(async (opts: { study: string; site?: string; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
        if (!study.ok) return context.fail(study.error, opts.json === true);
        const list = await vault.participants.list(CLI_ACTOR, study.value.id, {
          ...(opts.site ? { site: opts.site } : {}),
          limit: 1000,
        });
        context.report(list, opts.json === true, (ps) =>
          ps.map((p) => `${p.subjectId}\t${p.siteCode}\t${p.status}\t${p.id}`).join('\n'),
        );
      });
    });
  participants
    .command('status <participant>')
    .description(
      'change a participant status with a reason (screen_failed only before randomisation; docs/participants.md)',
    )
    .requiredOption('--to <status>', PARTICIPANT_STATUSES.join(' | '))
    .requiredOption('--reason <reason>', 'reason for the change (no identifiers)')
    .option('--study <study>', 'study, to name the participant by subject id')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { to: string; reason: string; study?: string; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const participant = await findParticipant(vault, ref, opts.study);
        if (!participant.ok) return context.fail(participant.error, opts.json === true);
        const result = await vault.participants.setStatus(
          CLI_ACTOR,
          participant.value.id,
          opts.to,
          opts.reason,
        );
        context.report(result, opts.json === true, (p) => `${p.subjectId}: ${STATUS_LABELS[p.status]}.`);
      });
    });
  participants
    .command('erase <participant>')
    .description(
      'crypto-shred a participant: destroy their data key, making every protected value unreadable',
    )
    .requiredOption('--reason <reason>', 'reason for the erasure')
    .option('--study <study>', 'study, to name the participant by subject id')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { reason: string; study?: string; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const participant = await findParticipant(vault, ref, opts.study);
        if (!participant.ok) return context.fail(participant.error, opts.json === true);
        const result = await vault.participants.erase(CLI_ACTOR, participant.value.id, opts.reason);
        context.report(
          result,
          opts.json === true,
          (p) =>
            `Erased ${p.subjectId}: their data key is destroyed; protected values are unreadable everywhere.`,
        );
      });
    });

  program
    .command('record <record>')
    .description('show a record; protected values stay masked unless --reveal (audited)')
    .option('--reveal', 'decrypt protected values (writes an audit event)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { reveal?: boolean; json?: boolean }) => {
      await withVault(context, open, opts.json === true, async (vault) => {
        const record = await vault.records.read(CLI_ACTOR, id, { reveal: opts.reveal === true });
        context.report(record, opts.json === true, (r) =>
          [
            `${r.subjectId} ${r.form} ${r.visit} v${r.version}${r.locked ? ' (locked)' : ''}`,
            ...Object.entries(r.values).map(([k, v]) => `  ${k}: ${String(v)}`),
            ...r.masked.map((k) => `  ${k}: ******** (masked)`),
            ...r.unavailable.map((k) => `  ${k}: (erased)`),
          ].join('\n'),
        );
      });
    });
}
