/** The roles, in one place: the authorization table (roles.ts) and the web app's grant form use this list. */
export const ROLES = [
  'system_admin',
  'study_admin',
  'principal_investigator',
  'coordinator',
  'monitor',
  'data_manager',
  'statistician',
  'unblinded_pharmacist',
  'finance',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];
