import { generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, as authenticator apps expect; one step of clock
 * drift either way; each accepted step is remembered so a code is never accepted twice (ASVS 6.5.1).
 */
export const TOTP_ISSUER = 'TrialVault';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, account: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: account, secret });
}

/** The accepted time step, or null when the code is wrong, reused or too old. */
export async function checkTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  now: Date,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  // Server time decides, like every other audited fact.
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: 30,
    ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
