import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import type { HistoryEntry, Shown } from '../records/service.js';
import { type Opener, withVault } from './data-commands.js';
import { EXIT_OK, EXIT_PROBLEM } from './io.js';
import type { CommandContext } from './main.js';

function index(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

/** What the registered checks compared, as `, 5 records, 9 versions, 3 device uploads`. */
function counted(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([what, n]) => `, ${n} ${what}`)
    .join('');
}

function shown(value: Shown): string {
  if ('masked' in value) return '********';
  if ('unavailable' in value) return '(erased)';
  return value.value === null ? '(empty)' : JSON.stringify(value.value);
}

function historyText(history: HistoryEntry[]): string[] {
  return history.flatMap((h) => [
    `  ${h.at}  ${h.actor}  ${h.action} v${h.version}${h.reason === null ? '' : `  reason: ${h.reason}`}`,
    ...h.changes.map((c) => `      ${c.field}: ${shown(c.old)} -> ${shown(c.new)}`),
  ]);
}

/** The ledger's commands: checkpoints, proofs in the shape of the RFC 6962 vectors, verify, audit trail. */
export function registerLedgerCommands(program: Command, context: CommandContext, open: Opener): void {
  const run = (json: boolean, work: (vault: Vault) => Promise<void>, publish = false) =>
    withVault(context, open, json, work, publish);

  const ledger = program.command('ledger').description('the tamper-evident audit ledger (RFC 9162)');
  ledger
    .command('checkpoint')
    .description('sign and publish a checkpoint of the current log (and print it)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.ledger.checkpoint(), opts.json === true, (c) => c.note.trimEnd());
      }),
    );
  ledger
    .command('inclusion')
    .description('inclusion proof of an event against a checkpoint (default: the latest)')
    .addOption(
      new Option('--index <n>', 'event index (sequence number)').argParser(index).makeOptionMandatory(),
    )
    .addOption(new Option('--size <m>', 'tree size (a checkpoint)').argParser(index))
    .option('--json', 'print JSON')
    .action(async (opts: { index: number; size?: number; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.ledger.inclusion(opts.index, opts.size), opts.json === true, (p) =>
          JSON.stringify(p, null, 2),
        );
      }),
    );
  ledger
    .command('consistency')
    .description('consistency proof between two tree sizes')
    .addOption(new Option('--from <a>', 'older tree size').argParser(index).makeOptionMandatory())
    .addOption(new Option('--to <b>', 'newer tree size (default: the current log)').argParser(index))
    .option('--json', 'print JSON')
    .action(async (opts: { from: number; to?: number; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.ledger.consistency(opts.from, opts.to), opts.json === true, (p) =>
          JSON.stringify(p, null, 2),
        );
      }),
    );
  ledger
    .command('event')
    .description('the leaf bytes of an event, to recompute its leaf hash independently')
    .addOption(new Option('--index <n>', 'event index').argParser(index).makeOptionMandatory())
    .option('--json', 'print JSON')
    .action(async (opts: { index: number; json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        context.report(await vault.ledger.event(opts.index), opts.json === true, (e) => e.text);
      }),
    );

  program
    .command('verify')
    .description(
      'recompute the whole trail and check it against checkpoints and the witness (exit 1 on findings)',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) =>
      run(opts.json === true, async (vault) => {
        const report = await vault.ledger.verify();
        if (opts.json === true) context.io.out(JSON.stringify(report, null, 2));
        else if (report.ok) {
          context.io.out(
            `OK: ${report.events} events, ${report.checkpoints} checkpoints (${report.witnessed} witnessed)${counted(report.counts)}; root ${report.root}`,
          );
        } else {
          context.io.out(`TAMPERING DETECTED: ${report.findings.length} finding(s)`);
          for (const f of report.findings) context.io.out(`  ${f.table} ${f.row}: ${f.kind}: ${f.detail}`);
        }
        context.exit(report.ok ? EXIT_OK : EXIT_PROBLEM);
      }),
    );

  program
    .command('audit')
    .description('the audit trail of a participant or a record: who, when, what (old -> new), why')
    .option('--participant <participant>', 'participant id, or subject id with --study')
    .option('--record <record>', 'record id')
    .option('--study <study>', 'study, to name the participant by subject id')
    .option('--reveal', 'show protected values (writes an audit event)')
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        participant?: string;
        record?: string;
        study?: string;
        reveal?: boolean;
        json?: boolean;
      }) =>
        run(
          opts.json === true,
          async (vault) => {
            const json = opts.json === true;
            const options = { reveal: opts.reveal === true };
            if ((opts.participant === undefined) === (opts.record === undefined)) {
              context.io.err('trialvault: give exactly one of --participant or --record');
              return context.exit(2);
            }
            if (opts.record !== undefined) {
              const trail = await vault.audit.forRecord(CLI_ACTOR, opts.record, options);
              return context.report(trail, json, (t) =>
                [
                  `${t.record.subjectId} ${t.record.form} ${t.record.visit} (${t.record.id})`,
                  ...historyText(t.history),
                ].join('\n'),
              );
            }
            let participantId = opts.participant ?? '';
            if (opts.study !== undefined) {
              const study = await vault.studies.getStudy(CLI_ACTOR, opts.study);
              if (!study.ok) return context.fail(study.error, json);
              const found = await vault.participants.findBySubject(CLI_ACTOR, study.value.id, participantId);
              if (found.ok) participantId = found.value.id;
            }
            const trail = await vault.audit.forParticipant(CLI_ACTOR, participantId, options);
            context.report(trail, json, (t) =>
              [
                `${t.participant.subjectId} (${t.participant.status})`,
                ...t.events.map(
                  (e) =>
                    `  ${e.at}  ${e.actor}  ${e.action}${e.reason === null ? '' : `  reason: ${e.reason}`}`,
                ),
                ...t.records.flatMap((r) => [
                  `${r.record.form} ${r.record.visit} (${r.record.id})`,
                  ...historyText(r.history),
                ]),
              ].join('\n'),
            );
          },
          true,
        ),
    );
}
