/** The identifiers a participant can be looked up by (blind index); node-free, so forms can name them. */
export const IDENTIFIER_KINDS = ['mrn', 'email', 'phone'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];
