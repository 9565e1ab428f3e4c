import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AccountAdmin } from '../access/account-admin.js';
import { type AccessConfig, AuthService } from '../access/auth-service.js';
import { BreakGlassService } from '../access/break-glass-service.js';
import { PasskeyService } from '../access/passkey-service.js';
import { TokenService } from '../access/token-service.js';
import { FactorChanges } from '../access/totp-enrollment.js';
import { UserService } from '../access/user-service.js';
import { LedgerAccessService } from '../audit/ledger-access.js';
import { AuditTrailService } from '../audit/service.js';
import { Authorizer } from '../authz/authorizer.js';
import { tamperedInTx, tamperReportsSettled } from '../authz/tamper-in-tx.js';
import { mirrorErasure } from '../backup/erasure-mirror.js';
import { BackupStatusService } from '../backup/status-service.js';
import type { Settings } from '../config/settings.js';
import type { Actor } from '../core/actor.js';
import { type Clock, systemClock } from '../core/clock.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { DemoService } from '../demo/service.js';
import { DeviceService } from '../devices/device-service.js';
import { SeriesService } from '../devices/series-service.js';
import { TelemetryService } from '../devices/telemetry-service.js';
import { scrubFreeText } from '../export/free-text-scrubber.js';
import { ExportService } from '../export/service.js';
import { FormService } from '../forms/service.js';
import { GridService } from '../grid/service.js';
import { ImportService } from '../import/service.js';
import { ensureLedgerKey, loadLedgerKeys } from '../ledger/ledger-keys.js';
import { type LedgerConfig, LedgerService } from '../ledger/service.js';
import { Witness } from '../ledger/witness.js';
import { ParticipantService } from '../participants/service.js';
import { RecordService } from '../records/service.js';
import { ScheduleService } from '../schedule/service.js';
import { SignatureService } from '../signatures/service.js';
import { freedPagePurger } from '../storage/freed-pages.js';
import { getMeta } from '../storage/meta-repo.js';
import { locateStore, openStore, type Store, type StoreLocation } from '../storage/store.js';
import { KeyRotationService } from '../studies/key-rotation.js';
import { StudyService } from '../studies/service.js';
import { initializeStore, type KeySource, unlockStore } from '../vault/bootstrap.js';
import type { VaultDeps } from '../vault/deps.js';
import { ERASURE_REGISTER, registerErasure } from '../vault/erasure-register.js';
import { ensureKeyDir } from '../vault/key-files.js';
import type { Keyring } from '../vault/keyring.js';
import { registerAllBindings } from './bindings.js';
import { ledgerChecks } from './ledger-checks.js';
import { sealAndProject } from './row-seal-startup.js';

/** The composition root: one store, one keyring, and the services built on them. */
export interface Vault {
  readonly store: Store;
  readonly deps: VaultDeps;
  readonly keyring: Keyring;
  readonly studies: StudyService;
  readonly forms: FormService;
  readonly schedule: ScheduleService;
  readonly participants: ParticipantService;
  readonly records: RecordService;
  readonly keys: KeyRotationService;
  readonly imports: ImportService;
  readonly demo: DemoService;
  readonly ledger: LedgerService;
  readonly audit: AuditTrailService;
  /** The ledger over the API, scoped to what the caller may see. */
  readonly ledgerAccess: LedgerAccessService;
  readonly authorizer: Authorizer;
  readonly auth: AuthService;
  /** Adding, replacing and removing second factors (TOTP; re-authentication). */
  readonly factors: FactorChanges;
  readonly passkeys: PasskeyService;
  readonly tokens: TokenService;
  readonly users: UserService;
  readonly accounts: AccountAdmin;
  readonly breakGlass: BreakGlassService;
  readonly signatures: SignatureService;
  readonly grid: GridService;
  readonly devices: DeviceService;
  readonly telemetry: TelemetryService;
  readonly series: SeriesService;
  readonly backupStatus: BackupStatusService;
  /** Exports: profiles, risk check, dual control, one-time downloads, attribution (issue #16). */
  readonly exports: ExportService;
  close(): Promise<void>;
}

export interface VaultOptions {
  readonly clock?: Clock;
  readonly access?: AccessConfig;
  /** The erasure register (in the key directory): erasures a restore from backup must replay. */
  readonly erasureRegister?: string;
  /** Where API exports wait for their one download (default: a private directory under the system temp). */
  readonly exportSpool?: string;
}

export function buildVault(
  store: Store,
  keyring: Keyring,
  ledger: LedgerConfig,
  options: VaultOptions = {},
): Vault {
  registerAllBindings();
  const deps: VaultDeps = { db: store.db, clock: options.clock ?? systemClock, keyring };
  // Key rows are read inside transactions too: their reports commit after (authz/tamper-in-tx.ts).
  keyring.guardRows({ db: store.db, report: (binding, row) => tamperedInTx(deps, binding, row) });
  const authorizer = new Authorizer(deps);
  const auth = new AuthService(deps, options.access ?? { idleMinutes: 15, maxHours: 12 });
  // Re-authentication may use a passkey, and passkey changes re-authenticate: bound both ways.
  const factors: FactorChanges = new FactorChanges(deps, auth, (sessionId, assertion, rp) =>
    passkeys.proof(sessionId, assertion, rp),
  );
  const passkeys = new PasskeyService(deps, auth, factors);
  const tokens = new TokenService(deps, authorizer);
  const forms = new FormService(deps, authorizer);
  const purge = freedPagePurger(store);
  const register = options.erasureRegister;
  const participants = new ParticipantService(deps, authorizer, async (participantId) => {
    if (register !== undefined) {
      const at = deps.clock.now().toISOString();
      registerErasure(register, participantId, at);
      // The register sits in the key directory; its copy on the backup target survives ransomware.
      mirrorErasure(dirname(register), participantId, at);
    }
    await purge();
  });
  const schedule = new ScheduleService(deps, authorizer);
  const records = new RecordService(deps, forms, authorizer, schedule);
  const signatures = new SignatureService(deps, authorizer, auth);
  const imports = new ImportService(deps, forms, participants, records, authorizer);
  const studies = new StudyService(deps, authorizer);
  const ledgerService = new LedgerService(deps, ledger);
  return {
    store,
    deps,
    keyring,
    studies,
    forms,
    schedule,
    participants,
    records,
    keys: new KeyRotationService(deps, (actor, action) => authorizer.authorize(actor, action)),
    imports,
    authorizer,
    tokens,
    auth,
    factors,
    passkeys,
    users: new UserService(deps, authorizer),
    accounts: new AccountAdmin(deps, authorizer, auth, factors),
    breakGlass: new BreakGlassService(deps, authorizer),
    signatures,
    grid: new GridService(participants, records, schedule, signatures, () =>
      deps.clock.now().toISOString().slice(0, 10),
    ),
    devices: new DeviceService(deps, authorizer),
    telemetry: new TelemetryService(deps),
    series: new SeriesService(deps, authorizer),
    backupStatus: new BackupStatusService(deps, authorizer),
    demo: new DemoService(deps, authorizer, studies, forms, participants, records),
    ledger: ledgerService,
    ledgerAccess: new LedgerAccessService(deps, ledgerService, authorizer),
    audit: new AuditTrailService(deps, records, authorizer),
    exports: new ExportService(
      deps,
      authorizer,
      auth,
      {
        spoolDir: options.exportSpool ?? join(tmpdir(), `trialvault-export-spool-${process.getuid?.() ?? 0}`),
        // HIPAA 164.514(b)(2)(i): clinical free text leaves de-identified exports scrubbed, not raw.
        scrub: (text) => scrubFreeText(text, { year: deps.clock.now().getUTCFullYear() }),
      },
      imports,
    ),
    close: async () => {
      await tamperReportsSettled();
      await store.close();
    },
  };
}

export function storeLocation(settings: Settings): StoreLocation {
  return locateStore(settings.dataDir, settings.dbUrl);
}

export function keySource(settings: Settings): KeySource {
  return {
    keyDir: settings.keyDir,
    passphrase: settings.passphrase,
    witnessFile: settings.witnessFile,
    witnessUrl: settings.witnessUrl,
  };
}

/**
 * The ledger's keys, origin and witness. The log key is made with the store, or for a store without
 * checkpoints yet; a missing key for a store that has checkpoints is reported, never replaced.
 */
async function ledgerConfig(
  store: Store,
  source: KeySource,
  keyring: Keyring,
): Promise<Result<LedgerConfig>> {
  const storeId = await getMeta(store.db, 'store_id');
  if (storeId === undefined) return err(appError('STORE_NOT_INITIALIZED', 'The store is not initialized.'));
  const hasCheckpoints =
    (await store.db.selectFrom('ledger_checkpoints').select('size').limit(1).execute()).length > 0;
  if (!hasCheckpoints) {
    ensureKeyDir(source.keyDir);
    ensureLedgerKey(source.keyDir);
  }
  const keys = loadLedgerKeys(source.keyDir);
  if (!keys.ok) return keys;
  return ok({
    origin: `trialvault/${storeId}`,
    keys: keys.value,
    witness: new Witness(source.witnessFile ?? join(source.keyDir, 'witness.log'), source.witnessUrl),
    mac: (hash) => keyring.eventMac(hash),
    checks: ledgerChecks(keyring),
  });
}

function withRegister(options: VaultOptions, source: KeySource): VaultOptions {
  return options.erasureRegister === undefined
    ? { ...options, erasureRegister: join(source.keyDir, ERASURE_REGISTER) }
    : options;
}

/** Opens an initialized store and unlocks its keys; the store is closed again on failure. */
export async function openVault(
  location: StoreLocation,
  source: KeySource,
  options: VaultOptions = {},
): Promise<Result<Vault>> {
  const store = await openStore(location);
  const keyring = await unlockStore(store.db, source);
  const ledger = keyring.ok ? await ledgerConfig(store, source, keyring.value) : keyring;
  if (!keyring.ok || !ledger.ok) {
    await store.close();
    return keyring.ok ? (ledger as Result<never>) : keyring;
  }
  const vault = buildVault(store, keyring.value, ledger.value, withRegister(options, source));
  // Before anything is appended: the log against its witnessed checkpoints (review r17, R17-1/R17-8).
  await vault.ledger.checkAtStart();
  await sealAndProject(vault.deps);
  return ok(vault);
}

/** Creates (if needed) and opens a store: what `trialvault init` and `start` do. */
export async function initVault(
  location: StoreLocation,
  source: KeySource,
  actor: Actor,
  options: VaultOptions = {},
): Promise<Result<Vault & { created: boolean }>> {
  const store = await openStore(location);
  const init = await initializeStore(store.db, source, options.clock ?? systemClock, actor);
  if (!init.ok) {
    await store.close();
    return init;
  }
  const keyring = await unlockStore(store.db, source);
  const ledger = keyring.ok ? await ledgerConfig(store, source, keyring.value) : keyring;
  if (!keyring.ok || !ledger.ok) {
    await store.close();
    return keyring.ok ? (ledger as Result<never>) : keyring;
  }
  const vault = buildVault(store, keyring.value, ledger.value, withRegister(options, source));
  await vault.ledger.checkAtStart();
  // A store created now has no rows of its own to distrust: its first ledger.rows-sealed is written here.
  await sealAndProject(vault.deps, { created: init.value.created });
  return ok({ ...vault, created: init.value.created });
}
