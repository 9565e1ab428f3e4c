/**
 * The data class of a field decides how its value is protected; forms declare it, access grants reveal it
 * and the vault seals it, so the concept sits below all three (docs/architecture.md).
 */
export const DATA_CLASSES = ['identifier', 'quasi', 'financial', 'allocation', 'clinical'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];
/** Classes whose values are sealed under the participant's key and never stored in plaintext. */
export const PROTECTED_CLASSES: ReadonlySet<DataClass> = new Set([
  'identifier',
  'quasi',
  'financial',
  'allocation',
]);
