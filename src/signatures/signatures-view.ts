/** What the signature routes answer (node-free: the web app imports these types). */
export const SIGNATURE_MEANINGS = ['authored', 'reviewed', 'approved'] as const;

export interface Signature {
  readonly id: string;
  readonly recordId: string;
  readonly recordVersion: number;
  readonly printedName: string;
  readonly meaning: (typeof SIGNATURE_MEANINGS)[number];
  readonly signedAt: string;
  readonly contentHash: string;
  /** False once the record changed after signing, or if the signature does not belong to it. */
  readonly valid: boolean;
}
