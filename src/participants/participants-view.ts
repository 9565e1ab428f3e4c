/** What the participant routes answer (node-free: the web app imports these types). */
export const PARTICIPANT_STATUSES = [
  'screening',
  'enrolled',
  'completed',
  'withdrawn',
  'screen_failed',
] as const;

/**
 * The statuses a participant may be created with: a screen failure is a change of status, made
 * with its reason (status-change.ts), never a starting one.
 */
export const ENROL_STATUSES = ['screening', 'enrolled', 'completed', 'withdrawn'] as const;

/** A participant's status; 'erased' only by crypto-shredding (docs/encryption.md). */
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number] | 'erased';

/** How a status reads to people (the web app and the CLI's text output). */
export const STATUS_LABELS: Readonly<Record<ParticipantStatus, string>> = {
  screening: 'screening',
  enrolled: 'enrolled',
  completed: 'completed',
  withdrawn: 'withdrawn',
  screen_failed: 'screen failed',
  erased: 'erased',
};

export interface Participant {
  readonly id: string;
  readonly studyId: string;
  readonly siteId: string;
  readonly siteCode: string;
  readonly subjectId: string;
  readonly status: ParticipantStatus;
  /** Present only when revealed; the consent date is a quasi-identifier (HIPAA 164.514(b)(2)). */
  readonly consentDate?: string | null;
  readonly createdAt: string;
  readonly erasedAt: string | null;
}
