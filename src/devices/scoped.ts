import type { Authorizer, Permit } from '../access/authorizer.js';
import type { Action } from '../access/roles.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import * as participants from '../participants/repo.js';
import type { VaultDeps } from '../vault/deps.js';
import * as repo from './repo.js';

/**
 * The participant (or the device) acted on, authorized at its study and site: out of scope answers
 * exactly like missing (ASVS 8.2.2), in the service layer (ASVS 8.2.1).
 */
export async function participantInScope(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  action: Action,
  participantId: string,
): Promise<Result<{ participant: participants.ParticipantWithSite; permit: Permit }>> {
  const participant = await participants.findParticipant(deps.db, participantId);
  if (participant === undefined) return err(appError('NOT_FOUND', 'No such participant.'));
  const permit = await authorizer.authorize(actor, action, {
    studyId: participant.study_id,
    siteId: participant.site_id,
    resource: 'participant',
  });
  return permit.ok ? ok({ participant, permit: permit.value }) : permit;
}

export async function deviceInScope(
  deps: VaultDeps,
  authorizer: Authorizer,
  actor: Actor,
  action: Action,
  deviceId: string,
): Promise<Result<{ device: repo.DeviceWithContext; permit: Permit }>> {
  const device = await repo.findDevice(deps.db, deviceId);
  if (device === undefined) return err(appError('NOT_FOUND', 'No such device.'));
  const permit = await authorizer.authorize(actor, action, {
    studyId: device.study_id,
    siteId: device.site_id,
    resource: 'participant',
  });
  return permit.ok ? ok({ device, permit: permit.value }) : permit;
}
