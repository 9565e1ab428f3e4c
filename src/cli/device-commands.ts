import { createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Vault } from '../app/vault.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { DEMO_PROTOCOL } from '../demo/service.js';
import { DeviceClient, type DeviceIdentity } from '../devices/device-client.js';
import { MODES, type Mode, simulate } from '../devices/simulator.js';
import { findParticipant, type Opener } from './data-commands.js';
import { EXIT_OK } from './io.js';
import type { CommandContext } from './main.js';

const SIMULATED_METRICS = ['heart_rate', 'spo2', 'glucose', 'temperature', 'steps'];

function minutes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1440) throw new InvalidArgumentError('must be 1 to 1440');
  return n;
}

/** What the simulator keeps between runs to reuse its device: a simulated device's own key, 0600. */
interface SavedDevice {
  identity: Omit<DeviceIdentity, 'privateKey'> & { privateKeyPem: string };
  boot: number;
  seq: number;
  prev: string;
}

interface Options {
  server: string;
  participant?: string;
  study?: string;
  minutes: number;
  mode: Mode;
  alg: 'EdDSA' | 'ES256';
}

/** `trialvault device simulate`: a wearable that enrolls, then uploads honest or hostile data. */
export function registerDeviceCommands(program: Command, context: CommandContext, open: Opener): void {
  const device = program.command('device').description('wearable devices');
  device
    .command('simulate')
    .description('enroll (or reuse) a simulated device and drive real uploads; prints a JSON summary')
    .requiredOption('--server <url>', 'the TrialVault server, e.g. http://127.0.0.1:8080')
    .option(
      '--participant <participant>',
      'participant id or subject id (default: the first of the demo study)',
    )
    .option('--study <study>', 'study of a subject id (default: the demo study)')
    .option('--minutes <n>', 'minutes of simulated time, one upload each', minutes, 10)
    .addOption(new Option('--mode <mode>', 'what the device does').choices([...MODES]).default('honest'))
    .addOption(new Option('--alg <alg>', 'device key').choices(['EdDSA', 'ES256']).default('EdDSA'))
    .action(async (opts: Options) => {
      const server = opts.server.replace(/\/+$/, '');
      const opened = await open(context.env);
      if (!opened.ok) return context.fail(opened.error, true);
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        prepared = await prepare(opened.value.vault, opts, opened.value.settings.dataDir);
      } finally {
        await opened.value.vault.close();
      }
      if ('error' in prepared) return context.fail(prepared.error, true);
      let client: DeviceClient;
      let saved: SavedDevice;
      if (prepared.saved !== undefined) {
        saved = prepared.saved;
        const { privateKeyPem, ...rest } = saved.identity;
        client = new DeviceClient(
          { ...rest, privateKey: createPrivateKey(privateKeyPem) },
          { boot: saved.boot + 1, seq: 0, prev: Buffer.from(saved.prev, 'base64') },
        );
      } else {
        const privateKey = DeviceClient.generateKey(opts.alg);
        const response = await fetch(`${server}/api/v1/devices/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            code: prepared.code,
            alg: opts.alg,
            publicKey: DeviceClient.publicKey(opts.alg, privateKey),
          }),
        });
        if (!response.ok)
          return context.fail(
            appError('UNAUTHENTICATED', `Enrollment failed (HTTP ${response.status}).`),
            true,
          );
        const enrolled = (await response.json()) as Omit<DeviceIdentity, 'alg' | 'privateKey'>;
        const identity = { ...enrolled, alg: opts.alg };
        client = new DeviceClient({ ...identity, privateKey });
        saved = {
          identity: {
            ...identity,
            privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          },
          boot: client.boot,
          seq: 0,
          prev: '',
        };
      }
      if (opts.mode === 'revoked') {
        const again = await open(context.env);
        if (!again.ok) return context.fail(again.error, true);
        try {
          const revoked = await again.value.vault.devices.setStatus(CLI_ACTOR, client.identity.deviceId, {
            status: 'revoked',
            reason: 'Simulator: the revoked attack mode',
          });
          if (!revoked.ok) return context.fail(revoked.error, true);
        } finally {
          await again.value.vault.close();
        }
      }
      const summary = await simulate(
        {
          server,
          identity: client.identity,
          client,
          metrics: new Set(SIMULATED_METRICS),
          ...(prepared.other === undefined ? {} : { otherParticipantId: prepared.other }),
        },
        opts.mode,
        opts.minutes,
      );
      if (opts.mode !== 'revoked') {
        saved = {
          ...saved,
          boot: client.boot,
          seq: client.seq,
          prev: Buffer.from(client.prev).toString('base64'),
        };
        saveDevice(prepared.file, saved);
      }
      context.io.out(JSON.stringify(summary, null, 2));
      context.exit(summary.ok ? EXIT_OK : 1);
    });
}

async function prepare(vault: Vault, opts: Options, dataDir: string) {
  const study = opts.study ?? DEMO_PROTOCOL;
  let participantId: string;
  let studyId: string;
  if (opts.participant !== undefined) {
    const found = await findParticipant(vault, opts.participant, study);
    if (!found.ok) return { error: found.error };
    participantId = found.value.id;
    studyId = found.value.studyId;
  } else {
    const demo = await vault.studies.getStudy(CLI_ACTOR, DEMO_PROTOCOL);
    if (!demo.ok) return { error: appError('NOT_FOUND', 'No demo study here: name a --participant.') };
    const first = await vault.participants.list(CLI_ACTOR, demo.value.id, { limit: 2, offset: 0 });
    if (!first.ok || first.value[0] === undefined)
      return { error: appError('NOT_FOUND', 'The demo study has no participants.') };
    participantId = first.value[0].id;
    studyId = demo.value.id;
  }
  const others = await vault.participants.list(CLI_ACTOR, studyId, { limit: 2, offset: 0 });
  const other = others.ok ? others.value.find((p) => p.id !== participantId)?.id : undefined;
  const file = join(dataDir, 'simulator', `${participantId}-${opts.alg}.json`);
  // The revoked mode spends a device of its own; the others reuse theirs while it stays active.
  if (opts.mode !== 'revoked' && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedDevice;
    const devices = await vault.devices.list(CLI_ACTOR, participantId);
    if (devices.ok && devices.value.some((d) => d.id === saved.identity.deviceId && d.status === 'active'))
      return { saved, file, other };
  }
  const registered = await vault.devices.register(CLI_ACTOR, participantId, {
    model: 'TrialVault simulator',
    serial: `SIM-${Date.now().toString(36)}`,
    firmware: '1.0.0',
    metrics: SIMULATED_METRICS,
  });
  if (!registered.ok) return { error: registered.error };
  return { code: registered.value.enrollmentCode, file, other, saved: undefined };
}

function saveDevice(file: string, saved: SavedDevice): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  chmodSync(file, 0o600);
}
