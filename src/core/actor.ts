/** Who acts: every service call names its actor, and every audit event records it. */
export type Actor =
  /** The operator on the server (CLI, scheduled jobs): trusted with the keys, audited like anyone. */
  | { readonly kind: 'system'; readonly id: string }
  /** A signed-in person; `mfa` when the session passed a second factor. */
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly sessionId?: string;
      readonly mfa: boolean;
      /** The access epoch read when the request was authenticated (see the access cache). */
      readonly accessEpoch?: number;
    }
  /** An API token: a user's rights, narrowed to one study and a set of actions. */
  | {
      readonly kind: 'token';
      readonly id: string;
      readonly userId: string;
      readonly studyId: string;
      readonly scopes: readonly string[];
      readonly accessEpoch?: number;
    }
  | { readonly kind: 'device'; readonly id: string };

export const CLI_ACTOR: Actor = { kind: 'system', id: 'cli' };

export function actorLabel(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}
