/** What the participant routes answer (node-free: the web app imports these types). */
export const PARTICIPANT_STATUSES = ['screening', 'enrolled', 'completed', 'withdrawn'] as const;

/** A participant's status; 'erased' only by crypto-shredding (docs/encryption.md). */
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number] | 'erased';

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
