/** A validated field value, as forms check it and the vault seals it (docs/architecture.md). */
export type FieldValue = string | number | boolean;
export type FieldValues = Readonly<Record<string, FieldValue>>;
