import type { Authorizer, Permit } from '../authz/authorizer.js';
import type { Action } from '../authz/roles.js';
import type { Actor } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type * as participants from '../participants/repo.js';
import { knownParticipant } from '../participants/trusted.js';
import type { VaultDeps } from '../vault/deps.js';
import * as repo from './repo.js';
import { trustDevice } from './trusted-device.js';

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
  const known = await knownParticipant(deps, participantId);
  if (!known.ok) return known;
  const participant = known.value;
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
  const found = await trustDevice(deps, deps.db, await repo.findDevice(deps.db, deviceId));
  if (!found.ok) return found;
  const device = found.value;
  if (device === undefined) return err(appError('NOT_FOUND', 'No such device.'));
  // The device's site is its participant's: that row is checked too (issue #17).
  const owner = await knownParticipant(deps, device.participant_id);
  if (!owner.ok) return owner;
  const permit = await authorizer.authorize(actor, action, {
    studyId: device.study_id,
    siteId: device.site_id,
    resource: 'participant',
  });
  return permit.ok ? ok({ device, permit: permit.value }) : permit;
}
