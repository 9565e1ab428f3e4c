import type { DataClass } from '../core/data-class.js';

/**
 * Words in a field's label or OID that suggest a protected data class (node-free: the designer shows
 * the same hints the server enforces at publish). A wrong "clinical" stores the value in the clear.
 */
const HINTS: readonly { class: DataClass; words: RegExp; why: string }[] = [
  {
    class: 'identifier',
    words:
      /\b(name|surname|forename|initials|mrn|medical record|hospital number|nhs|e-?mail|phone|telephone|mobile|address|street|ssn|social security|passport|insurance number|national id)\b/i,
    why: 'names a person',
  },
  {
    class: 'quasi',
    words: /\b(birth|dob|date of birth|zip|postcode|postal code|post code|ethnicity|occupation)\b/i,
    why: 'can identify a person when combined',
  },
  {
    class: 'financial',
    words: /\b(iban|bic|bank|account holder|account number|payment|reimbursement)\b/i,
    why: 'is a payment detail',
  },
  {
    class: 'allocation',
    words: /\b(arm|randomi[sz]ation|randomi[sz]ed|treatment group|kit number|kit no|allocation)\b/i,
    why: 'reveals the treatment allocation',
  },
];

/** OIDs are written in capitals with _ (FULL_NAME): turned into words so the hints match them too. */
function words(text: string): string {
  return text.replace(/_/g, ' ');
}

/** The class a field's label or OID suggests, with why; null when nothing suggests a protected class. */
export function suggestedClass(label: string, oid: string): { class: DataClass; why: string } | null {
  const text = `${label} ${words(oid)}`;
  for (const hint of HINTS) if (hint.words.test(text)) return { class: hint.class, why: hint.why };
  return null;
}

/** A birth date singles a person out among few (HIPAA 164.514(b)(2)(i)(C)); "sex at birth" does not. */
const BIRTH_DATE = /\b(date of birth|birth ?date|dob)\b/i;

/**
 * Fields classed clinical that look like identifiers or quasi-identifiers (name, MRN, birth date,
 * phone, e-mail...), with the class they suggest: publishing them needs an explicit acknowledgement
 * (GDPR Art. 32; HIPAA 164.312(a)(2)(iv)).
 */
export function clinicalLookalikes(
  fields: readonly { oid: string; label: string; class: DataClass }[],
): { field: string; suggested: DataClass }[] {
  const found: { field: string; suggested: DataClass }[] = [];
  for (const field of fields) {
    if (field.class !== 'clinical') continue;
    const hint = suggestedClass(field.label, field.oid);
    if (hint?.class === 'identifier') found.push({ field: field.oid, suggested: 'identifier' });
    else if (BIRTH_DATE.test(`${field.label} ${words(field.oid)}`))
      found.push({ field: field.oid, suggested: 'quasi' });
  }
  return found;
}
