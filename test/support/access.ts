import { generate } from 'otplib';
import type { Vault } from '../../src/app/vault.js';
import { ROLE_DEFINITIONS, type Role } from '../../src/authz/roles.js';
import { type Actor, CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';

export const TEST_PASSWORD = 'a long test passphrase 42';

/** A user with one role, granted in the study (at a site for site-scoped roles), as a signed-in actor with MFA. */
export async function userWithRole(vault: Vault, role: Role, study: string | undefined, site?: string) {
  const email = `${role}.${Math.random().toString(36).slice(2, 8)}@example.org`;
  const { user } = expectOk(
    await vault.users.addUser(CLI_ACTOR, { email, name: `Test ${role}`, password: TEST_PASSWORD }),
  );
  expectOk(
    await vault.users.grant(CLI_ACTOR, {
      email,
      role,
      ...(ROLE_DEFINITIONS[role].system === true ? {} : { study }),
      ...(site === undefined ? {} : { site }),
    }),
  );
  const actor: Actor = { kind: 'user', id: user.id, mfa: true };
  return { user, email, actor };
}

/** A principal investigator signed in with TOTP enrolled (what signing needs): actor and secret. */
export async function signedInInvestigator(vault: Vault, studyId: string) {
  const { email } = await userWithRole(vault, 'principal_investigator', studyId);
  const signIn = expectOk(await vault.auth.login(email, TEST_PASSWORD));
  const { secret } = expectOk(await vault.factors.beginTotp(signIn.token, {}));
  // First enrolment activates the session under a new token (ASVS 7.2.4).
  const { token } = expectOk(await vault.factors.confirmTotp(signIn.token, await generate({ secret })));
  const actor = expectOk(await vault.auth.authenticate(token ?? ''));
  return { actor, secret };
}
