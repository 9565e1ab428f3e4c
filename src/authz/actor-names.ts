import type { Kysely } from 'kysely';
import { untrustedRow } from '../ledger/row-trust.js';
import type { Database } from '../storage/schema.js';
import type { VaultDeps } from '../vault/deps.js';
import { USERS } from './access-bindings.js';
import * as repo from './repo.js';
import { isRole } from './roles.js';

const ROLE_WORDS: Readonly<Record<string, string>> = {
  principal_investigator: 'investigator',
  unblinded_pharmacist: 'unblinded pharmacist',
};
const roleWords = (role: string) => ROLE_WORDS[role] ?? role.replace(/_/g, ' ');

/**
 * The people behind audit labels (`user:ID`), as a reviewer reads them: "Jane Smith (investigator)",
 * with the roles held in the study (issue #15 item 8). The label itself stays the record of who acted;
 * a name is shown only from a user row whose MAC holds, else the label (issue #17: a name rewritten in
 * SQL never speaks for anyone).
 */
export async function actorNames(
  deps: Pick<VaultDeps, 'keyring'> & { readonly db: Kysely<Database> },
  labels: Iterable<string>,
  studyId: string | null,
): Promise<(label: string) => string> {
  const names = new Map<string, string>();
  for (const label of new Set(labels)) {
    const [kind, id = ''] = label.split(/:(.*)/s);
    if (kind === 'user') {
      const user = await repo.findUser(deps.db, id);
      if (user === undefined || untrustedRow(deps.db, deps.keyring, USERS, [user]) !== undefined) continue;
      const roles = (await repo.activeGrants(deps.db, id))
        .filter((g) => isRole(g.role) && (g.study_id === null || studyId === null || g.study_id === studyId))
        .map((g) => roleWords(g.role));
      names.set(label, roles.length === 0 ? user.name : `${user.name} (${[...new Set(roles)].join(', ')})`);
    } else if (kind === 'system') {
      names.set(label, id === 'cli' ? 'Operator (command line)' : `System (${id})`);
    } else if (kind === 'token') {
      names.set(label, 'API token');
    } else if (kind === 'device') {
      names.set(label, 'Wearable device');
    }
  }
  return (label) => names.get(label) ?? label;
}
