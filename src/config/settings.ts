import { resolve } from 'node:path';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';

export interface Settings {
  readonly dataDir: string;
  readonly keyDir: string;
  /** postgres://... selects PostgreSQL; undefined selects the embedded SQLite store in dataDir. */
  readonly dbUrl: string | undefined;
  readonly host: string;
  readonly port: number;
  /** When set, the master key is derived from it instead of read from the key file. */
  readonly passphrase: string | undefined;
  /** Where published checkpoints are appended (outside the database). */
  readonly witnessFile: string;
  /** Optional webhook that receives every checkpoint note. */
  readonly witnessUrl: string | undefined;
  /** A checkpoint is made after this many new events ... */
  readonly checkpointEvents: number;
  /** ... or this many seconds after the last one, whichever comes first. */
  readonly checkpointSeconds: number;
  /** Sessions end after this many idle minutes (HIPAA 164.312(a)(2)(iii) automatic logoff) ... */
  readonly sessionIdleMinutes: number;
  /** ... and this many hours after sign-in, whatever happens (ASVS 7.3.2). */
  readonly sessionMaxHours: number;
  /** WebAuthn RP ID (a domain name); unset: the host each request was sent to. */
  readonly rpId: string | undefined;
  /** WebAuthn origin the browser must report (https://host[:port]); unset: the request's own. */
  readonly origin: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads TRIALVAULT_* settings; a bad value is a CONFIG_INVALID error naming the variable, never its value. */
export function loadSettings(env: Env, cwd = process.cwd()): Result<Settings> {
  const port = env.TRIALVAULT_PORT === undefined ? 8080 : Number(env.TRIALVAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return err(appError('CONFIG_INVALID', 'TRIALVAULT_PORT must be an integer from 0 to 65535.'));
  }
  const dbUrl = env.TRIALVAULT_DB_URL === '' ? undefined : env.TRIALVAULT_DB_URL;
  if (dbUrl !== undefined && !/^postgres(ql)?:\/\//.test(dbUrl)) {
    return err(appError('CONFIG_INVALID', 'TRIALVAULT_DB_URL must start with postgres:// or postgresql://.'));
  }
  const passphrase = env.TRIALVAULT_PASSPHRASE === '' ? undefined : env.TRIALVAULT_PASSPHRASE;
  const checkpointEvents = positiveInteger(env.TRIALVAULT_CHECKPOINT_EVENTS, 1000);
  const checkpointSeconds = positiveInteger(env.TRIALVAULT_CHECKPOINT_SECONDS, 60);
  if (checkpointEvents === undefined || checkpointSeconds === undefined) {
    return err(
      appError(
        'CONFIG_INVALID',
        'TRIALVAULT_CHECKPOINT_EVENTS and TRIALVAULT_CHECKPOINT_SECONDS must be positive integers.',
      ),
    );
  }
  const sessionIdleMinutes = positiveInteger(env.TRIALVAULT_SESSION_IDLE_MINUTES, 15);
  const sessionMaxHours = positiveInteger(env.TRIALVAULT_SESSION_MAX_HOURS, 12);
  if (sessionIdleMinutes === undefined || sessionMaxHours === undefined) {
    return err(
      appError(
        'CONFIG_INVALID',
        'TRIALVAULT_SESSION_IDLE_MINUTES and TRIALVAULT_SESSION_MAX_HOURS must be positive integers.',
      ),
    );
  }
  const witnessUrl = env.TRIALVAULT_WITNESS_URL === '' ? undefined : env.TRIALVAULT_WITNESS_URL;
  if (witnessUrl !== undefined && !/^https?:\/\//.test(witnessUrl)) {
    return err(appError('CONFIG_INVALID', 'TRIALVAULT_WITNESS_URL must be an http(s) URL.'));
  }
  const rpId = env.TRIALVAULT_RP_ID === '' ? undefined : env.TRIALVAULT_RP_ID;
  if (rpId !== undefined && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(rpId)) {
    return err(appError('CONFIG_INVALID', 'TRIALVAULT_RP_ID must be a lower-case domain name.'));
  }
  const origin = env.TRIALVAULT_ORIGIN === '' ? undefined : env.TRIALVAULT_ORIGIN;
  if (origin !== undefined && !/^https?:\/\/[^/\s]+$/.test(origin)) {
    return err(appError('CONFIG_INVALID', 'TRIALVAULT_ORIGIN must be an origin such as https://host.'));
  }
  const keyDir = resolve(cwd, env.TRIALVAULT_KEY_DIR ?? './trialvault-keys');
  return ok({
    dataDir: resolve(cwd, env.TRIALVAULT_DATA_DIR ?? './trialvault-data'),
    keyDir,
    dbUrl,
    host: env.TRIALVAULT_HOST ?? '127.0.0.1',
    port,
    passphrase,
    witnessFile: resolve(cwd, env.TRIALVAULT_WITNESS_FILE ?? `${keyDir}/witness.log`),
    witnessUrl,
    checkpointEvents,
    checkpointSeconds,
    sessionIdleMinutes,
    sessionMaxHours,
    rpId,
    origin,
  });
}

function positiveInteger(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
