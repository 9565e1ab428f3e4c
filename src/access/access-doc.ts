import { ACTIONS, ROLE_DEFINITIONS, ROLES } from '../authz/roles.js';

/** The role table of docs/access.md, rendered from src/authz/roles.ts (a test keeps them equal). */
export function renderAccessTable(): string {
  const header = `| action | ${ROLES.join(' | ')} |`;
  const rule = `| --- | ${ROLES.map(() => '---').join(' | ')} |`;
  const rows = ACTIONS.map(
    (action) =>
      `| \`${action}\` | ${ROLES.map((r) => (ROLE_DEFINITIONS[r].actions.includes(action) ? 'yes' : '-')).join(' | ')} |`,
  );
  const reveal = `| reveal | ${ROLES.map((r) => ROLE_DEFINITIONS[r].reveal.join(', ') || '-').join(' | ')} |`;
  const blinded = `| blinded | ${ROLES.map((r) => (ROLE_DEFINITIONS[r].blinded ? 'yes' : 'no')).join(' | ')} |`;
  return [header, rule, ...rows, reveal, blinded].join('\n');
}
