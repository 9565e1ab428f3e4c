import { createHash } from 'node:crypto';
import type { UserService } from '../access/user-service.js';
import { USERS } from '../authz/access-bindings.js';
import { ROLE_DEFINITIONS, ROLES, type Role } from '../authz/roles.js';
import { CLI_ACTOR } from '../core/actor.js';
import { ok, type Result } from '../core/result.js';
import { appendAuditEvent } from '../ledger/audit-repo.js';
import { setMeta } from '../storage/meta-repo.js';
import type { Store } from '../storage/store.js';
import { transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { Keyring } from '../vault/keyring.js';
import { META } from '../vault/vault-bindings.js';
import { DEMO_PROTOCOL } from './service.js';

/** What seeding demo accounts needs of the vault; the composition root's Vault passes as itself. */
export interface DemoAccountVault {
  readonly store: Store;
  readonly deps: VaultDeps;
  readonly keyring: Keyring;
  readonly users: UserService;
}

export interface DemoAccount {
  readonly role: Role;
  readonly email: string;
  readonly password: string;
  /** Base32 TOTP secret, shown for the demo only (enter it in an authenticator app). */
  readonly totpSecret: string;
  readonly site: string | null;
}

export const DEMO_PASSWORD = 'trialvault demo only';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SITE_SCOPED: ReadonlySet<Role> = new Set(['coordinator', 'monitor']);

/** A fixed, per-role TOTP secret: demo stores are public by design, so nothing here is secret. */
export function demoSecret(role: Role): string {
  const bytes = createHash('sha256').update(`trialvault-demo-totp-${role}`).digest().subarray(0, 20);
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) out += BASE32[Number.parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

/**
 * One demo account per role, with TOTP already enrolled, on a store seeded by `trialvault demo` only:
 * the store is marked as a demo store, and demo accounts are refused on any other store.
 */
export async function seedDemoAccounts(vault: DemoAccountVault): Promise<Result<DemoAccount[]>> {
  // The demo marker is sealed by an event like any row of the store (issue #17).
  const marked = await transact(vault.store.db, async (trx) => {
    await setMeta(trx, 'demo_store', '1');
    await appendAuditEvent(trx, vault.deps, {
      actor: CLI_ACTOR,
      action: 'demo.seed',
      target: 'demo_store',
      details: { accounts: ROLES.length },
      seals: [[META, ['demo_store']]],
    });
    return ok(null);
  });
  if (!marked.ok) return marked;
  const accounts: DemoAccount[] = [];
  for (const role of ROLES) {
    const email = `${role.replace(/_/g, '.')}@demo.trialvault.invalid`;
    const created = await vault.users.addUser(CLI_ACTOR, {
      email,
      name: `Demo ${role.replace(/_/g, ' ')}`,
      password: DEMO_PASSWORD,
      isDemo: true,
    });
    if (!created.ok) return created;
    const site = SITE_SCOPED.has(role) ? 'S01' : null;
    const granted = await vault.users.grant(CLI_ACTOR, {
      email,
      role,
      ...(ROLE_DEFINITIONS[role].system === true ? {} : { study: DEMO_PROTOCOL }),
      ...(site === null ? {} : { site }),
    });
    if (!granted.ok) return granted;
    const totpSecret = demoSecret(role);
    const sealed = await vault.keyring.sealSecret(Buffer.from(totpSecret), `totp/${created.value.user.id}`);
    const userId = created.value.user.id;
    // Under an event that seals the user row (issue #17): a demo account's known TOTP secret.
    await transact(vault.store.db, async (trx) => {
      await trx
        .updateTable('users')
        .set({ totp_secret_sealed: sealed, totp_enabled: 1 })
        .where('id', '=', userId)
        .execute();
      await appendAuditEvent(trx, vault.deps, {
        actor: CLI_ACTOR,
        action: 'auth.mfa.enroll',
        target: userId,
        details: { factor: 'totp', demo: true },
        seals: [[USERS, [userId]]],
      });
      return ok(null);
    });
    accounts.push({ role, email, password: DEMO_PASSWORD, totpSecret, site });
  }
  return ok(accounts);
}

export async function listDemoAccounts(vault: Pick<DemoAccountVault, 'store'>): Promise<DemoAccount[]> {
  const users = await vault.store.db.selectFrom('users').select('email').where('is_demo', '=', 1).execute();
  const emails = new Set(users.map((u) => u.email));
  return ROLES.filter((role) => emails.has(`${role.replace(/_/g, '.')}@demo.trialvault.invalid`)).map(
    (role) => ({
      role,
      email: `${role.replace(/_/g, '.')}@demo.trialvault.invalid`,
      password: DEMO_PASSWORD,
      totpSecret: demoSecret(role),
      site: SITE_SCOPED.has(role) ? 'S01' : null,
    }),
  );
}
