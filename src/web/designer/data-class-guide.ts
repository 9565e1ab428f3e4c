import { suggestedClass } from '../../forms/class-hints.js';
import type { DataClass } from '../../forms/forms-view.js';

export { suggestedClass } from '../../forms/class-hints.js';

/**
 * What each data class means for the person designing a form: the class decides whether the value is
 * sealed (encrypted under the participant's key) and who may ever see it (docs/forms.md, "Data classes").
 * The designer never defaults a class: a wrong "clinical" would store an identifier in the clear.
 */
export const CLASS_GUIDE: readonly { value: DataClass; label: string; guide: string }[] = [
  {
    value: 'identifier',
    label: 'Identifier',
    guide:
      'Names a person directly: name, medical record number, e-mail, phone, address. Sealed; only roles allowed to reveal identifiers see it, and each reveal is audited.',
  },
  {
    value: 'quasi',
    label: 'Quasi-identifier',
    guide:
      'Identifies a person when combined: birth date, postcode, dates of events, rare conditions. Sealed; masked in exports unless approved.',
  },
  {
    value: 'financial',
    label: 'Financial',
    guide: 'Payments to participants: IBAN, account holder, amounts. Sealed; only finance may reveal it.',
  },
  {
    value: 'allocation',
    label: 'Allocation (blinding)',
    guide:
      'Treatment arm, kit or randomisation numbers. Sealed and invisible to every blinded role, by any path (ICH E9).',
  },
  {
    value: 'clinical',
    label: 'Clinical',
    guide:
      'Measurements and answers for analysis: vital signs, labs, scores, adverse event terms. Stored in the clear for analysis; must not name the person.',
  },
];

/**
 * A warning when the chosen class is weaker than the label suggests (an identifier marked clinical
 * would be stored in plaintext: GDPR Art. 32, HIPAA 164.312(a)(2)(iv)); null when nothing to say.
 */
export function classWarning(label: string, oid: string, chosen: DataClass | ''): string | null {
  const hint = suggestedClass(label, oid);
  if (hint === null || chosen === hint.class) return null;
  if (chosen !== 'clinical' && chosen !== '') return null;
  const name = CLASS_GUIDE.find((c) => c.value === hint.class)?.label ?? hint.class;
  return chosen === ''
    ? `This field looks like it ${hint.why}: consider ${name}.`
    : `This field looks like it ${hint.why}, but Clinical stores it in the clear. Choose ${name} unless you are sure.`;
}
