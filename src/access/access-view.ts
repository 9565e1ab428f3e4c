/** What the sign-in, account, token and break-glass routes answer (node-free: the web app imports these). */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly status: 'active' | 'disabled';
  readonly mfa: boolean;
  readonly createdAt: string;
}

/** What an administrator sees of a token: never the secret, which was shown once. */
export interface TokenView {
  readonly id: string;
  readonly user: string;
  readonly studyId: string;
  readonly scopes: string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

export interface BreakGlass {
  readonly id: string;
  readonly userId: string;
  readonly studyId: string;
  readonly justification: string;
  readonly startedAt: string;
  readonly expiresAt: string;
  readonly active: boolean;
  /** When the second person's review is due (start + 72 h), and whether that has passed unreviewed. */
  readonly reviewDue: string;
  readonly overdue: boolean;
  readonly review: {
    readonly by: string;
    readonly at: string;
    readonly outcome: string;
    readonly note: string;
  } | null;
}

export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** Where a sign-in stands: 'mfa': send a second factor; 'enroll': set up TOTP first; 'active': signed in. */
export type SignInState = 'mfa' | 'enroll' | 'active';

/** The answer to a password sign-in; in state 'mfa', which second factors the account has. */
export interface SignInAnswer {
  readonly state: SignInState;
  readonly factors?: { readonly totp: boolean; readonly passkey: boolean };
}

/** A role held, in a study (and site) or system-wide. */
export interface RoleHolding {
  readonly role: string;
  readonly studyId: string | null;
  readonly siteId: string | null;
}

/** The signed-in caller (GET /api/v1/auth/me): a person's account, second factor and roles. */
export interface Me {
  readonly actor: 'system' | 'user' | 'token' | 'device';
  readonly user?: { readonly id: string; readonly email: string; readonly name: string };
  readonly mfa?: boolean;
  readonly roles?: RoleHolding[];
}

/** The signed-in user's passkeys, and whether an authenticator app is set up. */
export interface PasskeyList {
  readonly passkeys: Passkey[];
  readonly totp: boolean;
}

/** Recovery codes, shown once when TOTP is confirmed; each works once. */
export interface RecoveryCodes {
  readonly recoveryCodes: string[];
}

/** A new API token: its secret is in this answer only. */
export interface NewToken {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: string;
}

/** A grant as made (POST /api/v1/grants). */
export interface GrantView {
  readonly id: string;
  readonly role: string;
  readonly study: string | null;
  readonly site: string | null;
}

/** A grant a user holds (GET /api/v1/users/grants), with its id for revoking. */
export interface GrantHeld {
  readonly id: string;
  readonly role: string;
  readonly studyId: string | null;
  readonly siteId: string | null;
  readonly createdAt: string;
}

/** The signed-in browser's session facts (GET /api/v1/auth/session): timeouts and the draft key. */
export interface BrowserSession {
  readonly idleMinutes: number;
  readonly expiresAt: string;
  /** AES-256-GCM key (base64url) for unsaved entry kept in this browser; the same for every session of the user. */
  readonly draftKey: string;
}
