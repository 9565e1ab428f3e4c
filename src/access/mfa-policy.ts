/**
 * The second-factor limits, in one place (docs/access.md, "Second-factor limits").
 * A wrong answer (TOTP code, recovery code, passkey assertion, or the password and code asked again
 * before a factor changes) counts against the session and the account; an attempt is counted BEFORE
 * it is evaluated, in the same transaction that evaluates it, so concurrent guesses cannot overshoot.
 * ASVS 6.3.1 (brute force), 21 CFR 11.300(d) (detect and report unauthorized use attempts).
 */

/** Wrong second-factor answers that end the session: the password must be given again. */
export const SESSION_MFA_FAILURES = 3;

/**
 * Wrong second-factor answers, over all sessions since the last accepted one, that lock the account
 * until an administrator unlocks it (`trialvault users unlock`, POST /api/v1/users/unlock). With 6-digit
 * codes and one step of drift each side, 10 guesses succeed with probability 3 * 10 / 10^6.
 */
export const ACCOUNT_MFA_FAILURES = 10;

/** Recovery codes made at each TOTP enrolment. */
export const RECOVERY_CODES = 10;
