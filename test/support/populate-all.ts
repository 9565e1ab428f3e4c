import type { Vault } from '../../src/app/vault.js';
import { type Actor, CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { TEST_PASSWORD, userWithRole } from './access.js';
import type { TestClock } from './clock.js';
import { ALL_METRICS, enrolledDevice, heartRate } from './devices.js';
import { codeAt } from './http-auth.js';
import { populate } from './populate.js';
import { SoftAuthenticator } from './soft-authenticator.js';

export const RP = { rpId: 'trialvault.example', origin: 'https://trialvault.example' } as const;

/** A user of a role with TOTP enrolled at first sign-in: its active session token and recovery codes. */
async function withTotp(
  vault: Vault,
  clock: TestClock,
  role: Parameters<typeof userWithRole>[1],
  study: string,
) {
  const made = await userWithRole(vault, role, study, role === 'coordinator' ? 'S01' : undefined);
  const signIn = expectOk(await vault.auth.login(made.email, TEST_PASSWORD));
  const { secret } = expectOk(await vault.factors.beginTotp(signIn.token, {}));
  const confirmed = expectOk(await vault.factors.confirmTotp(signIn.token, await codeAt(secret, clock)));
  clock.advance(1); // later codes are of later time steps
  const token = confirmed.token ?? signIn.token;
  const actor: Actor = expectOk(await vault.auth.authenticate(token));
  return { ...made, secret, token, actor, recoveryCodes: confirmed.recoveryCodes };
}

/**
 * A store holding every kind of data (issue #17 item 4): the records trail of `populate` (versions,
 * corrections, lock/unlock, an erasure, a checkpoint), and users with TOTP, recovery codes and a
 * passkey, active and ended sessions, API tokens (one revoked), grants (one revoked), a disabled user,
 * devices (active, revoked, pending) with uploads, a telemetry policy, an electronic signature, a
 * reviewed break-glass with its alert, a participant status change, a live study, and a last checkpoint.
 */
export async function populateAll(vault: Vault, clock: TestClock) {
  const base = await populate(vault);
  const { study, people } = base;
  const first = people[0];
  const second = people[1];
  if (first === undefined || second === undefined) throw new Error('populate made too few participants');

  // Users, second factors and sessions.
  const investigator = await withTotp(vault, clock, 'principal_investigator', study.id);
  const coordinator = await withTotp(vault, clock, 'coordinator', study.id);
  const admin = await withTotp(vault, clock, 'study_admin', study.id);
  const options = expectOk(
    await vault.passkeys.registrationOptions(
      coordinator.token,
      { password: TEST_PASSWORD, code: await codeAt(coordinator.secret, clock) },
      RP,
    ),
  );
  clock.advance(1);
  const key = new SoftAuthenticator(RP.rpId);
  expectOk(
    await vault.passkeys.register(
      coordinator.token,
      key.create(String(options.challenge), RP.origin),
      'soft key',
      RP,
    ),
  );
  const statistician = await userWithRole(vault, 'statistician', study.id);
  const ended = expectOk(await vault.auth.login(statistician.email, TEST_PASSWORD));
  expectOk(await vault.auth.logout(ended.token));
  const gone = await userWithRole(vault, 'monitor', study.id);
  expectOk(await vault.users.disable(CLI_ACTOR, gone.email));

  // Grants (one revoked) and API tokens (one revoked).
  const extra = expectOk(
    await vault.users.grant(CLI_ACTOR, { email: statistician.email, role: 'data_manager', study: study.id }),
  );
  expectOk(await vault.users.revokeGrant(CLI_ACTOR, extra.id));
  const tokenInput = { email: statistician.email, study: study.id, scopes: ['study.read'] };
  const token = expectOk(await vault.tokens.create(CLI_ACTOR, tokenInput));
  const revokedToken = expectOk(await vault.tokens.create(CLI_ACTOR, tokenInput));
  expectOk(await vault.tokens.revoke(CLI_ACTOR, revokedToken.id));

  // Devices, uploads and the study's telemetry policy.
  expectOk(
    await vault.series.setPolicy(CLI_ACTOR, study.id, {
      overrides: { heart_rate: { max: 190 } },
      reason: 'Protocol: adult participants at rest and exercise',
    }),
  );
  const watch = await enrolledDevice(vault, first.participant.id);
  const uploads = [];
  for (let i = 0; i < 2; i++) {
    clock.time += 10_000;
    uploads.push(
      expectOk(
        await vault.telemetry.ingest(watch.client.upload(heartRate(clock.time, 10), clock.time), {
          studyId: study.id,
          participantId: first.participant.id,
        }),
      ),
    );
  }
  const lost = await enrolledDevice(vault, second.participant.id);
  expectOk(
    await vault.devices.setStatus(CLI_ACTOR, lost.device.id, { status: 'revoked', reason: 'Device lost' }),
  );
  expectOk(
    await vault.devices.register(CLI_ACTOR, second.participant.id, {
      model: 'Test patch',
      serial: 'SN-PENDING-01',
      firmware: '1.0.0',
      metrics: ALL_METRICS,
    }),
  );

  // An electronic signature (21 CFR 11.50), a break-glass with its alert and its review.
  const signature = expectOk(
    await vault.signatures.sign(investigator.actor, first.vitals.id, {
      meaning: 'approved',
      password: TEST_PASSWORD,
      totp: await codeAt(investigator.secret, clock),
    }),
  );
  clock.advance(1);
  const glass = expectOk(
    await vault.breakGlass.start(coordinator.actor, {
      study: study.id,
      justification: 'Participant admitted unconscious to the emergency unit of site S02',
      minutes: 30,
    }),
  );
  clock.advance(40);
  expectOk(
    await vault.breakGlass.review(admin.actor, glass.id, {
      outcome: 'appropriate',
      note: 'Checked with the emergency unit: admission confirmed',
    }),
  );

  // Exports (issue #16): a recipient with its data use agreement, the k threshold, an identified export
  // under dual control (requested by the investigator, approved by the study admin) and one download.
  const recipient = 'Sponsor safety desk';
  expectOk(
    await vault.exports.recipients.save(CLI_ACTOR, study.id, {
      name: recipient,
      duaReference: 'DUA-2026-01',
      duaExpiresOn: '2099-12-31',
    }),
  );
  expectOk(await vault.exports.recipients.setThreshold(CLI_ACTOR, study.id, 2));
  const ask = { recipient, purpose: 'SUSAR reconciliation', format: 'csv' as const };
  const request = expectOk(
    await vault.exports.dualControl.request(investigator.actor, study.id, {
      ...ask,
      password: TEST_PASSWORD,
      totp: await codeAt(investigator.secret, clock),
    }),
  );
  expectOk(
    await vault.exports.dualControl.approve(admin.actor, request.id, {
      password: TEST_PASSWORD,
      totp: await codeAt(admin.secret, clock),
    }),
  );
  clock.advance(1);
  const made = expectOk(
    await vault.exports.create(investigator.actor, study.id, {
      profile: 'identified',
      ...ask,
      request: request.id,
    }),
  );
  const file = made.files[0];
  if (file === undefined) throw new Error('the export wrote no file');
  expectOk(await vault.exports.download(investigator.actor, made.exportId, file.name));

  // Study and participant state changed under events.
  expectOk(await vault.participants.setStatus(CLI_ACTOR, second.participant.id, 'withdrawn', 'Moved abroad'));
  expectOk(await vault.studies.setStatus(CLI_ACTOR, study.id, 'live'));
  // A visit schedule (issue #15 item 4), defined after the records so that their visits stay valid.
  expectOk(
    await vault.schedule.define(CLI_ACTOR, study.id, {
      events: [{ oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG'] }],
    }),
  );
  const checkpoint = expectOk(await vault.ledger.checkpoint());
  return {
    ...base,
    checkpoint,
    users: { investigator, coordinator, admin, statistician, gone },
    token,
    revokedToken,
    passkey: key,
    devices: { watch, lost },
    uploads,
    signature,
    breakGlass: glass,
    export: made,
  };
}
