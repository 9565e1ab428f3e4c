import { isMissingCode, MISSING_CODES, MISSING_LABELS } from '../../forms/logic/missing-codes.js';

/**
 * Why a value is absent, recorded in its place (docs/logic.md#missing-data, issue #15 item 5): "Not
 * done", "Unknown" or "Not applicable" instead of leaving a required field blank.
 */
export function MissingCodePicker(props: {
  id: string;
  oid: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const chosen = isMissingCode(props.value) ? props.value : '';
  return (
    <select
      id={props.id}
      className="missing-code"
      aria-label={`Why ${props.oid} is absent (missing-data code)`}
      value={chosen}
      onChange={(e) => props.onChange(e.target.value)}
    >
      <option value="">Value entered</option>
      {MISSING_CODES.map((code) => (
        <option key={code} value={code}>
          {MISSING_LABELS[code]}
        </option>
      ))}
    </select>
  );
}
