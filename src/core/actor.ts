/** Who acts: every service call names its actor, and every audit event records it. */
export type Actor =
  | { readonly kind: 'system'; readonly id: string }
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'token'; readonly id: string }
  | { readonly kind: 'device'; readonly id: string };

export const CLI_ACTOR: Actor = { kind: 'system', id: 'cli' };

export function actorLabel(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}
