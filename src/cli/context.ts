import { existsSync } from 'node:fs';
import { initVault, keySource, openVault, storeLocation, type Vault } from '../app/vault.js';
import { type Env, loadSettings, type Settings } from '../config/settings.js';
import { CLI_ACTOR } from '../core/actor.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { describeFailure } from './failure.js';

/** Opens the configured store for a command; a missing SQLite store is reported, not created. */
export async function openConfiguredVault(env: Env): Promise<Result<{ vault: Vault; settings: Settings }>> {
  const settings = loadSettings(env);
  if (!settings.ok) return settings;
  const location = storeLocation(settings.value);
  if (location.dialect === 'sqlite' && !existsSync(location.file)) {
    return err(
      appError(
        'STORE_NOT_INITIALIZED',
        'No store here yet: run "trialvault init" (or set TRIALVAULT_DATA_DIR).',
      ),
    );
  }
  // A damaged or encrypted store file is named as such (ransomware), not thrown as a SQLite error.
  const vault = await openVault(location, keySource(settings.value), accessOf(settings.value)).catch(
    (e: unknown) => err(describeFailure(e)),
  );
  return vault.ok ? ok({ vault: vault.value, settings: settings.value }) : vault;
}

export async function initConfiguredVault(
  env: Env,
): Promise<Result<{ vault: Vault & { created: boolean }; settings: Settings }>> {
  const settings = loadSettings(env);
  if (!settings.ok) return settings;
  const vault = await initVault(
    storeLocation(settings.value),
    keySource(settings.value),
    CLI_ACTOR,
    accessOf(settings.value),
  ).catch((e: unknown) => err(describeFailure(e)));
  return vault.ok ? ok({ vault: vault.value, settings: settings.value }) : vault;
}

/** The session timeouts of the settings (TRIALVAULT_SESSION_IDLE_MINUTES, _MAX_HOURS; HIPAA 164.312(a)(2)(iii)). */
export function accessOf(settings: Settings): { access: { idleMinutes: number; maxHours: number } } {
  return { access: { idleMinutes: settings.sessionIdleMinutes, maxHours: settings.sessionMaxHours } };
}
