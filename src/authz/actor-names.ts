import type { Kysely } from 'kysely';
import { untrustedRow } from '../ledger/row-trust.js';
import type { Database } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { API_TOKENS, GRANTS, USERS } from './access-bindings.js';
import * as repo from './repo.js';
import { isRole } from './roles.js';

const ROLE_WORDS: Readonly<Record<string, string>> = {
  principal_investigator: 'investigator',
  unblinded_pharmacist: 'unblinded pharmacist',
};
const roleWords = (role: string) => ROLE_WORDS[role] ?? role.replace(/_/g, ' ');

/** One audited act: who (the label stored with it, `user:ID`, `token:ID`...) and when (server UTC). */
export interface Act {
  readonly actor: string;
  readonly at: string;
}

type Deps = Pick<VaultDeps, 'keyring'> & { readonly db: Kysely<Database> };
interface Person {
  readonly name: string;
  readonly grants: readonly repo.GrantRow[];
}

/**
 * The people behind audit labels, as a reviewer reads them: "Jane Smith (investigator)", with the
 * roles held in the study *when they acted* (issue #15 item 8; a role granted later never colours an
 * older act), and a token's acts as "API token of Jane Smith". The label stays the record of who
 * acted; a name is shown only from rows whose MACs hold, else the label (issue #17: a name or grant
 * rewritten in SQL never speaks for anyone).
 */
export async function actorNames(
  deps: Deps,
  acts: Iterable<Act>,
  studyId: string | null,
): Promise<(act: Act) => string> {
  const people = new Map<string, Person | null>();
  const tokenOwner = new Map<string, string | null>();
  const person = async (userId: string): Promise<Person | null> => {
    if (people.has(userId)) return people.get(userId) ?? null;
    const user = await repo.findUser(deps.db, userId);
    const grants = await repo.grantsOfUser(deps.db, userId);
    const trusted =
      user !== undefined &&
      untrustedRow(deps.db, deps.keyring, USERS, [user]) === undefined &&
      untrustedRow(deps.db, deps.keyring, GRANTS, grants) === undefined;
    const found = trusted ? { name: user.name, grants } : null;
    people.set(userId, found);
    return found;
  };
  const label = (p: Person, at: string): string => {
    const roles = p.grants
      .filter(
        (g) =>
          isRole(g.role) &&
          (g.study_id === null || studyId === null || g.study_id === studyId) &&
          g.created_at <= at &&
          (g.revoked_at === null || g.revoked_at > at),
      )
      .map((g) => roleWords(g.role));
    return roles.length === 0 ? p.name : `${p.name} (${[...new Set(roles)].join(', ')})`;
  };
  const list = [...acts];
  for (const act of list) {
    const [kind, id = ''] = act.actor.split(/:(.*)/s);
    if (kind === 'user') await person(id);
    if (kind === 'token' && !tokenOwner.has(id)) {
      const token = await repo.findToken(deps.db, id);
      const ok =
        token !== undefined && untrustedRow(deps.db, deps.keyring, API_TOKENS, [token]) === undefined;
      tokenOwner.set(id, ok ? token.user_id : null);
      if (ok) await person(token.user_id);
    }
  }
  return (act) => {
    const [kind, id = ''] = act.actor.split(/:(.*)/s);
    if (kind === 'user') {
      const p = people.get(id);
      return p ? label(p, act.at) : act.actor;
    }
    if (kind === 'token') {
      const owner = tokenOwner.get(id);
      const p = owner ? people.get(owner) : undefined;
      return p ? `API token of ${label(p, act.at)}` : 'API token';
    }
    if (kind === 'system') return id === 'cli' ? 'Operator (command line)' : `System (${id})`;
    if (kind === 'device') return 'Wearable device';
    return act.actor;
  };
}
