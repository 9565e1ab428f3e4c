import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { PASSKEYS, SESSIONS } from '../authz/access-bindings.js';
import * as repo from '../authz/repo.js';
import { isRole, requiresMfa } from '../authz/roles.js';
import { trustRows } from '../authz/row-tamper.js';
import { appError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { readSealedRow, resealRow, updateVolatile } from '../ledger/row-seal-store.js';
import { untrustedRow } from '../ledger/row-trust.js';
import { type Tx, transact } from '../storage/transact.js';
import type { VaultDeps } from '../vault/deps.js';
import type { Passkey, PasskeyList } from './access-view.js';
import type { AuthService, SignIn } from './auth-service.js';
import * as factors from './factor-repo.js';
import type { Evaluation } from './second-factor.js';
import { signedInForChange } from './signed-in-for-change.js';
import type { FactorChanges, ProofCheck, Reauth, RelyingParty } from './totp-enrollment.js';

export type { Passkey } from './access-view.js';

const RP_NAME = 'TrialVault';
const MAX_PASSKEYS = 10;
const BAD_PASSKEY = appError('UNAUTHENTICATED', 'The passkey could not be verified.');

const toPasskey = (row: factors.PasskeyRow): Passkey => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/**
 * Passkeys (WebAuthn) as a second factor beside TOTP. Registration and removal need re-authentication
 * (the password and a current factor, FactorChanges.reauthenticate); sign-in is the password, then an
 * assertion from a registered passkey. Every check is the library's (@simplewebauthn/server): the
 * challenge this session was given (single use, and of the right kind), the origin and RP ID the
 * request was served at, user verification, and the signature counter (a counter that does not
 * advance means a cloned authenticator and is refused; the new value is stored by compare-and-set).
 * ASVS 6.5.x, 6.4.x; 21 CFR 11.300.
 */
export class PasskeyService {
  constructor(
    private readonly deps: VaultDeps,
    private readonly auth: AuthService,
    private readonly changes: FactorChanges,
  ) {}

  /** An assertion challenge for the session: to sign in ('mfa') or to re-authenticate ('active'). */
  async challenge(token: string, rp: RelyingParty): Promise<Result<Record<string, unknown>>> {
    const session = await this.auth.session(token, ['mfa', 'active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    const listed = await trustRows(this.deps, PASSKEYS, await factors.listPasskeys(this.deps.db, user.id));
    if (!listed.ok) return listed;
    const keys = listed.value.filter((k) => k.rp_id === rp.rpId);
    if (keys.length === 0) return err(appError('NOT_FOUND', 'This account has no passkey for this address.'));
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: keys.map((k) => ({ id: k.id, transports: transportsOf(k) })),
      userVerification: 'required',
    });
    // A volatile column (no event): the session's MAC follows, after its stored form is checked.
    const stored = await transact(this.deps.db, (trx) =>
      updateVolatile(trx, this.deps.keyring, SESSIONS, [row.id], {
        webauthn_challenge: `auth:${options.challenge}`,
      }),
    );
    if (!stored.ok) return stored;
    return ok(options as unknown as Record<string, unknown>);
  }

  /** The second factor at sign-in: an assertion, counted like a code (mfa-policy.ts). */
  async signIn(token: string, assertion: unknown, rp: RelyingParty): Promise<Result<SignIn>> {
    const session = await this.auth.session(token, ['mfa']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    return this.auth.completeMfa(row, user.id, this.proof(row.id, assertion, rp));
  }

  /** Checks an assertion against the session's challenge, inside the caller's transaction. */
  proof(sessionId: string, assertion: unknown, rp: RelyingParty): ProofCheck {
    return async (trx: Tx, user: repo.UserRow) => {
      const no: Evaluation = { ok: false, method: 'passkey' };
      const challenge = await factors.takeWebauthnChallenge(trx, sessionId, 'auth');
      const response = assertion as AuthenticationResponseJSON;
      if (challenge === undefined || typeof response?.id !== 'string') return no;
      // Locked until the attempt ends (review s13: on PostgreSQL a public key changed in SQL under a
      // held lock would otherwise land under the counter's update and be sealed with it).
      const key = (await readSealedRow(trx, PASSKEYS, [response.id], true)) as factors.PasskeyRow | undefined;
      if (key === undefined || key.user_id !== user.id || key.rp_id !== rp.rpId) return no;
      // A passkey inserted or re-keyed in SQL is never honoured (issue #17): reported by the attempt.
      if (untrustedRow(this.deps.db, this.deps.keyring, PASSKEYS, [key]) !== undefined)
        return { ...no, tampered: [PASSKEYS, key] };
      try {
        const checked = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpId,
          credential: {
            id: key.id,
            publicKey: new Uint8Array(key.public_key),
            counter: Number(key.counter),
            transports: transportsOf(key),
          },
          requireUserVerification: true,
        });
        if (!checked.verified) return no;
        const at = this.deps.clock.now().toISOString();
        const next = checked.authenticationInfo.newCounter;
        const advanced = await factors.advancePasskeyCounter(trx, key.id, Number(key.counter), next, at);
        return { ok: advanced, method: 'passkey', seals: advanced ? [[PASSKEYS, [key.id]]] : [] };
      } catch {
        // A malformed response, a wrong origin, RP ID or signature, or a counter that went back.
        return no;
      }
    };
  }

  /** Registration options, after re-authentication (the password and a current factor). */
  async registrationOptions(
    token: string,
    reauth: Reauth,
    rp: RelyingParty,
  ): Promise<Result<Record<string, unknown>>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    const keys = await factors.listPasskeys(this.deps.db, user.id);
    if (keys.length >= MAX_PASSKEYS)
      return err(appError('VALIDATION_FAILED', `At most ${MAX_PASSKEYS} passkeys per account.`));
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rp.rpId,
      userName: user.email,
      userDisplayName: user.name,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: keys.map((k) => ({ id: k.id, transports: transportsOf(k) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    const done = await transact(this.deps.db, async (trx) => {
      const checked = await this.changes.reauthenticate(row, user, reauth, rp, trx);
      if (!checked.ok) return ok(checked);
      // A registration challenge, marked as one: an assertion challenge never registers a key.
      await repo.updateSession(trx, row.id, { webauthn_challenge: `reg:${options.challenge}` });
      // Volatile, after the attempt's event (which checked and sealed the session): the MAC follows.
      await resealRow(trx, this.deps.keyring, SESSIONS, [row.id]);
      return ok(ok(null));
    });
    if (!done.ok) return done;
    return done.value.ok ? ok(options as unknown as Record<string, unknown>) : done.value;
  }

  /** Registers the passkey the browser created for the registration challenge. */
  async register(
    token: string,
    attestation: unknown,
    name: string,
    rp: RelyingParty,
  ): Promise<Result<Passkey>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    return transact(this.deps.db, async (trx) => {
      // The user and session rows this change seals, again inside the transaction (review s13).
      const current = await signedInForChange(this.deps, trx, row.id, user.id);
      if (!current.ok) return current;
      const challenge = await factors.takeWebauthnChallenge(trx, row.id, 'reg');
      if (challenge === undefined)
        return err(appError('UNAUTHENTICATED', 'Start adding the passkey again (password and code).'));
      let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        info = await verifyRegistrationResponse({
          response: attestation as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpId,
          requireUserVerification: true,
        });
      } catch {
        return err(BAD_PASSKEY);
      }
      if (!info.verified) return err(BAD_PASSKEY);
      const { credential } = info.registrationInfo;
      const at = this.deps.clock.now().toISOString();
      const passkey: factors.PasskeyRow = {
        id: credential.id,
        user_id: user.id,
        name: name.trim().slice(0, 100) || 'Passkey',
        public_key: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: JSON.stringify(credential.transports ?? []),
        rp_id: rp.rpId,
        created_at: at,
        last_used_at: null,
      };
      await factors.insertPasskey(trx, passkey);
      await this.changes.changed(
        trx,
        user.id,
        row.id,
        'auth.passkey.add',
        { factor: 'passkey', passkey: passkey.id },
        [
          [SESSIONS, [row.id]],
          [PASSKEYS, [passkey.id]],
        ],
      );
      return ok(toPasskey(passkey));
    });
  }

  async list(token: string): Promise<Result<PasskeyList>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { user } = session.value;
    const keys = await trustRows(this.deps, PASSKEYS, await factors.listPasskeys(this.deps.db, user.id));
    if (!keys.ok) return keys;
    return ok({ passkeys: keys.value.map(toPasskey), totp: Number(user.totp_enabled) === 1 });
  }

  /** Removes a passkey, after re-authentication; never the last factor of a role that needs one. */
  async remove(token: string, id: string, reauth: Reauth, rp: RelyingParty): Promise<Result<{ id: string }>> {
    const session = await this.auth.session(token, ['active']);
    if (!session.ok) return session;
    const { row, user } = session.value;
    const keys = await factors.listPasskeys(this.deps.db, user.id);
    if (!keys.some((k) => k.id === id)) return err(appError('NOT_FOUND', 'No such passkey.'));
    const roles = (await repo.activeGrants(this.deps.db, user.id)).map((g) => g.role).filter(isRole);
    if (keys.length === 1 && Number(user.totp_enabled) !== 1 && roles.some(requiresMfa))
      return err(appError('FORBIDDEN', 'Your role needs a second factor: set up another one first.'));
    const done = await transact(this.deps.db, async (trx) => {
      const checked = await this.changes.reauthenticate(row, user, reauth, rp, trx);
      if (!checked.ok) return ok(checked);
      if (!(await factors.deletePasskey(trx, user.id, id)))
        return err(appError('NOT_FOUND', 'No such passkey.'));
      await this.changes.changed(
        trx,
        user.id,
        row.id,
        'auth.passkey.remove',
        { factor: 'passkey', passkey: id },
        [[PASSKEYS, [id]]],
      );
      return ok(ok({ id }));
    });
    return done.ok ? done.value : done;
  }
}

function transportsOf(row: factors.PasskeyRow): AuthenticatorTransportFuture[] {
  try {
    const parsed: unknown = JSON.parse(row.transports);
    return Array.isArray(parsed)
      ? (parsed.filter((t) => typeof t === 'string') as AuthenticatorTransportFuture[])
      : [];
  } catch {
    return [];
  }
}

type AuthenticatorTransportFuture = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';
