import type { DataClass } from '../core/data-class.js';
import { ROLES, type Role } from './roles-view.js';

/**
 * Roles and what they may do: the one source of the authorization matrix. docs/access.md is checked
 * against it (src/authz/roles.test.ts), and the matrix test enumerates every role x action x resource.
 * Deny by default: an action not listed for a role is refused (OWASP ASVS 8.1.1, 8.2.1).
 */
export const ACTIONS = [
  'study.create',
  'study.read',
  'study.manage',
  'study.setup',
  'form.manage',
  'user.manage',
  'grant.manage',
  'token.manage',
  'participant.read',
  'participant.create',
  'participant.lookup',
  'participant.status',
  'participant.erase',
  'record.read',
  'record.write',
  'record.lock',
  'record.unlock',
  'record.sign',
  'audit.read',
  'import.run',
  'breakglass.review',
  'device.manage',
  'telemetry.read',
  'backup.status',
  'ledger.read',
  'ledger.verify',
  'keys.rotate',
  'backup.run',
  'demo.seed',
  'export.run',
  'export.identified',
  'export.approve',
  'export.recipients',
] as const;
export type Action = (typeof ACTIONS)[number];

export { ROLES, type Role } from './roles-view.js';

export interface RoleDefinition {
  readonly label: string;
  readonly actions: readonly Action[];
  /** Protected data classes the role may reveal (with MFA); clinical values are never masked. */
  readonly reveal: readonly DataClass[];
  /** Blinded roles never receive allocation values by any path (ICH E9 2.3.1). */
  readonly blinded: boolean;
  /** System-wide role: granted without a study. */
  readonly system?: boolean;
}

export const ROLE_DEFINITIONS: Readonly<Record<Role, RoleDefinition>> = {
  system_admin: {
    label: 'System administrator: users and settings; no clinical data',
    actions: [
      'study.create',
      'study.setup',
      'user.manage',
      'grant.manage',
      'backup.status',
      'ledger.read',
      'ledger.verify',
    ],
    reveal: [],
    blinded: true,
    system: true,
  },
  study_admin: {
    label: 'Study administrator: sites, forms, grants, tokens, erasure; no protected values',
    actions: [
      'study.read',
      'study.manage',
      'study.setup',
      'form.manage',
      'grant.manage',
      'token.manage',
      'participant.read',
      'participant.erase',
      'record.read',
      'audit.read',
      'breakglass.review',
      'device.manage',
      'telemetry.read',
      'export.approve',
      'export.recipients',
    ],
    reveal: [],
    blinded: true,
  },
  principal_investigator: {
    label: 'Principal investigator: all sites, data entry, signatures',
    actions: [
      'study.read',
      'participant.read',
      'participant.create',
      'participant.lookup',
      'participant.status',
      'record.read',
      'record.write',
      'record.sign',
      'audit.read',
      'breakglass.review',
      'device.manage',
      'telemetry.read',
      'export.run',
      'export.identified',
      'export.approve',
    ],
    reveal: ['identifier', 'quasi'],
    blinded: true,
  },
  coordinator: {
    label: 'Study coordinator: data entry at their site',
    actions: [
      'study.read',
      'participant.read',
      'participant.create',
      'participant.lookup',
      'participant.status',
      'record.read',
      'record.write',
      'import.run',
      'device.manage',
      'telemetry.read',
    ],
    reveal: ['identifier', 'quasi'],
    blinded: true,
  },
  monitor: {
    label: 'Monitor: source data verification at their sites; reads and queries, no edits',
    actions: [
      'study.read',
      'participant.read',
      'participant.lookup',
      'record.read',
      'audit.read',
      'telemetry.read',
    ],
    reveal: ['identifier', 'quasi'],
    blinded: true,
  },
  data_manager: {
    label: 'Data manager: all sites, form design and publication, cleaning, lock and unlock',
    actions: [
      'study.read',
      'form.manage',
      'participant.read',
      'record.read',
      'record.lock',
      'record.unlock',
      'audit.read',
      'import.run',
      'telemetry.read',
      'export.run',
      'export.identified',
    ],
    reveal: ['quasi'],
    blinded: true,
  },
  statistician: {
    label: 'Statistician: de-identified (clinical) data only',
    actions: ['study.read', 'participant.read', 'record.read', 'export.run'],
    reveal: [],
    blinded: true,
  },
  unblinded_pharmacist: {
    label: 'Unblinded pharmacist: treatment allocation',
    actions: ['study.read', 'participant.read', 'record.read', 'record.write'],
    reveal: ['allocation'],
    blinded: false,
  },
  finance: {
    label: 'Finance: participant payments (financial class) only',
    actions: ['study.read', 'participant.read', 'record.read'],
    reveal: ['financial'],
    blinded: true,
  },
  auditor: {
    label:
      'Auditor (quality assurance, inspection): the whole audit ledger, and verifying it; no clinical data',
    actions: ['ledger.read', 'ledger.verify'],
    reveal: [],
    blinded: true,
    system: true,
  },
};

/**
 * Actions of the operator on the server (the system actor): no role holds them, so a person or token
 * asking for one is refused by the authorizer like any other denial, and audited (21 CFR 11.10(d)).
 */
export const OPERATOR_ACTIONS: ReadonlySet<Action> = new Set(['keys.rotate', 'backup.run', 'demo.seed']);

/**
 * Actions an API token never carries, whatever its user holds: system actions, and administration of
 * identities, grants and credentials (a token cannot mint tokens or grant roles; ASVS 8.2.1, 8.3.1).
 * A token is also never decided by a system role or by break-glass: only by its user's study grants.
 */
export const NEVER_TOKEN_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'study.create',
  // Setting a study up (title, sites, status) is done by a person, never by a script's token.
  'study.setup',
  'user.manage',
  'grant.manage',
  'token.manage',
  'breakglass.review',
  'backup.status',
  'ledger.read',
  'ledger.verify',
  // Identified exports and their approval need a person re-authenticated in a session (dual control).
  'export.identified',
  'export.approve',
  'export.recipients',
  ...OPERATOR_ACTIONS,
]);

/** Roles that can reveal protected values must sign in with a second factor (HIPAA 164.312(d); ASVS 6.3.3). */
export function requiresMfa(role: Role): boolean {
  return (
    ROLE_DEFINITIONS[role].reveal.length > 0 ||
    role === 'system_admin' ||
    role === 'study_admin' ||
    role === 'auditor'
  );
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The break-glass grant: every site of the study, read and reveal identifiers, for a limited time. */
export const BREAK_GLASS: RoleDefinition = {
  label: 'Break-glass (time-limited, justified, audited)',
  actions: ['study.read', 'participant.read', 'participant.lookup', 'record.read', 'audit.read'],
  reveal: ['identifier', 'quasi'],
  blinded: true,
};

/** A second person reviews each break-glass within 72 hours of its start; later, it shows as overdue. */
export const BREAK_GLASS_REVIEW_HOURS = 72;
