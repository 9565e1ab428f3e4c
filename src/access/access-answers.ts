import { z } from 'zod';
import { describes, timestamp } from '../http/answers.js';
import type {
  BreakGlass,
  BrowserSession,
  GrantHeld,
  GrantView,
  Me,
  NewToken,
  Passkey,
  PasskeyList,
  RecoveryCodes,
  SignInAnswer,
  SignInState,
  TokenView,
  User,
} from './access-view.js';

/** The access answers' schemas, for the OpenAPI document (checked against access-view.ts). */
const state = z.enum(['mfa', 'enroll', 'active'] satisfies SignInState[]);

export const signInAnswer = describes<SignInAnswer>()(
  z.strictObject({
    state,
    factors: z.strictObject({ totp: z.boolean(), passkey: z.boolean() }).optional(),
  }),
);
export const stateAnswer = describes<{ state: SignInState }>()(z.strictObject({ state }));
export const totpSecretAnswer = describes<{ secret: string; uri: string }>()(
  z.strictObject({
    secret: z.string().describe('Base32; shown once'),
    uri: z.string().describe('otpauth:// URI for an authenticator app'),
  }),
);
export const recoveryCodesAnswer = describes<RecoveryCodes>()(
  z.strictObject({ recoveryCodes: z.array(z.string()).describe('Shown once; each works once') }),
);
/** WebAuthn options as @simplewebauthn makes them (W3C WebAuthn L3, the *OptionsJSON dictionaries). */
export const webauthnOptions = z
  .record(z.string(), z.unknown())
  .describe('PublicKeyCredentialRequestOptionsJSON or PublicKeyCredentialCreationOptionsJSON');

export const passkeyAnswer = describes<Passkey>()(
  z.strictObject({
    id: z.string(),
    name: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
  }),
);
export const passkeysAnswer = describes<PasskeyList>()(
  z.strictObject({ passkeys: z.array(passkeyAnswer), totp: z.boolean() }),
);
export const endedAnswer = describes<{ ended: number }>()(
  z.strictObject({ ended: z.number().int().describe('Sessions ended') }),
);
export const browserSessionAnswer = describes<BrowserSession>()(
  z.strictObject({
    idleMinutes: z.number().int(),
    expiresAt: z.string().describe('Absolute end of the session (UTC, ISO 8601)'),
    draftKey: z.string().describe('AES-256-GCM key, base64url, for unsaved entry kept in this browser'),
  }),
);

export const meAnswer = describes<Me>()(
  z.strictObject({
    actor: z.enum(['system', 'user', 'token', 'device']),
    user: z.strictObject({ id: z.string(), email: z.string(), name: z.string() }).optional(),
    mfa: z.boolean().optional(),
    roles: z
      .array(
        z.strictObject({ role: z.string(), studyId: z.string().nullable(), siteId: z.string().nullable() }),
      )
      .optional(),
  }),
);

const userShape = {
  id: z.string(),
  email: z.string(),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  mfa: z.boolean(),
  createdAt: timestamp,
};
export const userAnswer = describes<User>()(z.strictObject(userShape));
export const unlockedAnswer = describes<User & { wasLocked: boolean }>()(
  z.strictObject({ ...userShape, wasLocked: z.boolean() }),
);
export const newUserAnswer = describes<{ user: User; initialPassword?: string }>()(
  z.strictObject({
    user: userAnswer,
    initialPassword: z.string().optional().describe('Made when none was given; shown once'),
  }),
);
export const grantAnswer = describes<GrantView>()(
  z.strictObject({
    id: z.string(),
    role: z.string(),
    study: z.string().nullable(),
    site: z.string().nullable(),
  }),
);
export const newTokenAnswer = describes<NewToken>()(
  z.strictObject({ id: z.string(), token: z.string().describe('Shown once'), expiresAt: timestamp }),
);
export const tokenAnswer = describes<TokenView>()(
  z.strictObject({
    id: z.string(),
    user: z.string(),
    studyId: z.string(),
    scopes: z.array(z.string()),
    createdAt: timestamp,
    expiresAt: timestamp,
    revokedAt: timestamp.nullable(),
  }),
);
export const breakGlassAnswer = describes<BreakGlass>()(
  z.strictObject({
    id: z.string(),
    userId: z.string(),
    studyId: z.string(),
    justification: z.string(),
    startedAt: timestamp,
    expiresAt: timestamp,
    active: z.boolean(),
    reviewDue: timestamp.describe('Start + 72 hours'),
    overdue: z.boolean(),
    review: z
      .strictObject({ by: z.string(), at: timestamp, outcome: z.string(), note: z.string() })
      .nullable(),
  }),
);
export const grantsHeldAnswer = describes<GrantHeld[]>()(
  z.array(
    z.strictObject({
      id: z.string(),
      role: z.string(),
      studyId: z.string().nullable(),
      siteId: z.string().nullable(),
      createdAt: timestamp,
    }),
  ),
);
export const temporaryPasswordAnswer = describes<{ temporaryPassword: string }>()(
  z.strictObject({ temporaryPassword: z.string().describe('Shown once; give it to the user in person') }),
);
