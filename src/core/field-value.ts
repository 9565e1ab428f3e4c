/** A validated field value, as forms check it and the vault seals it (docs/architecture.md). */
export type FieldValue = string | number | boolean | ChoiceCodes;
/** A multichoice value: the ticked choice codes, distinct and sorted (code-unit order), at least one. */
export type ChoiceCodes = readonly string[];
export type FieldValues = Readonly<Record<string, FieldValue>>;

/** Narrows to a list of codes (Array.isArray does not narrow a readonly array out of a union). */
export const isCodeList = (value: unknown): value is ChoiceCodes => Array.isArray(value);

/** The canonical form of a set of choice codes: distinct, sorted by UTF-16 code units (as Array#sort). */
export function canonicalCodes(codes: readonly string[]): string[] {
  return [...new Set(codes)].sort();
}

/** Whether a value is a list of choice codes already in canonical form. */
export function isCanonicalCodes(value: unknown): value is ChoiceCodes {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return false;
    if (i > 0 && !(value[i - 1] < value[i])) return false;
  }
  return true;
}

/**
 * How files that hold one text per value write a multichoice answer (CSV cells, ODM ItemData/@Value):
 * the codes joined by ",". A multichoice field's codes may not contain "," (form-definition.ts), so
 * this is unambiguous and splitCodes inverts it.
 */
export const CODE_SEPARATOR = ',';
export const joinCodes = (codes: readonly string[]): string => codes.join(CODE_SEPARATOR);
export const splitCodes = (text: string): string[] => canonicalCodes(text.split(CODE_SEPARATOR));

/** Value equality: lists compare by their codes. */
export function sameFieldValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((c, i) => c === b[i]);
  return a === b;
}
