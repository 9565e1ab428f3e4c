import type { Me } from '../access/access-view.js';
import { type Action, isRole, ROLE_DEFINITIONS } from '../authz/roles.js';
import type { DataClass } from '../core/data-class.js';

/**
 * Whether the signed-in user's roles allow an action (on a study), from the server's own matrix
 * (src/authz/roles.ts): what a role may not do is not offered (issue #15 item 8). The server still
 * decides every call; this only hides what would be refused.
 */
export function may(me: Me | undefined, action: Action, studyId?: string): boolean {
  return (me?.roles ?? []).some(
    (holding) =>
      isRole(holding.role) &&
      (holding.studyId === null || studyId === undefined || holding.studyId === studyId) &&
      ROLE_DEFINITIONS[holding.role].actions.includes(action),
  );
}

/**
 * Whether the user's roles may reveal values of a protected data class (on a study), from the same
 * matrix: a Reveal button is offered only to those (the server also asks for a second factor).
 */
export function mayReveal(me: Me | undefined, dataClass: DataClass, studyId?: string): boolean {
  return (me?.roles ?? []).some(
    (holding) =>
      isRole(holding.role) &&
      (holding.studyId === null || studyId === undefined || holding.studyId === studyId) &&
      ROLE_DEFINITIONS[holding.role].reveal.includes(dataClass),
  );
}
