/**
 * REDCap branching logic and calculations are close to the form logic language (docs/logic.md): the
 * same brackets, operators and functions. Field names are lower case in REDCap and upper case here;
 * only names in brackets outside string literals change, so `[phq9_1] = '1'` reads `[PHQ9_1] = '1'`.
 */
function renameFields(source: string, rename: (name: string) => string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (quote !== null) {
      out += c;
      if (c === '\\' && i + 1 < source.length) out += source[++i];
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      out += c;
    } else if (c === '[') {
      const end = source.indexOf(']', i);
      if (end < 0) return out + source.slice(i);
      out += rename(source.slice(i + 1, end));
      i = end;
    } else out += c;
  }
  return out;
}

/** REDCap's checkbox reference `[name(code)]`: the code's box, 1 when ticked and 0 when not. */
const CHECKBOX = /^([A-Za-z][A-Za-z0-9_]*)\(([^()"'\\,]+)\)$/;
/** The logic language's `checked([NAME], "code")`, as toRedcap writes it back as `[name(code)]`. */
const CHECKED = /checked\(\s*\[([A-Za-z][A-Za-z0-9_]*)\]\s*,\s*"([^()"'\\,]+)"\s*\)/giy;

/**
 * `[name(code)]` becomes `checked([NAME], "code")`: true and false compare with '1' and '0' as REDCap's
 * 1 and 0 do (docs/logic.md), and nothing ticked is 0, as in REDCap.
 */
export const fromRedcap = (source: string): string =>
  renameFields(source.trim(), (n) => {
    const box = CHECKBOX.exec(n);
    return box === null
      ? `[${n.toUpperCase()}]`
      : `checked([${(box[1] as string).toUpperCase()}], "${box[2]}")`;
  });

export const toRedcap = (source: string): string => {
  const renamed = renameFields(source, (n) => `[${n.toLowerCase()}]`);
  // Outside string literals, checked([f], "code") is REDCap's [f(code)].
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < renamed.length; i++) {
    const c = renamed[i] as string;
    if (quote === null) {
      CHECKED.lastIndex = i;
      const m = CHECKED.exec(renamed);
      if (m !== null) {
        out += `[${m[1]}(${m[2]})]`;
        i += m[0].length - 1;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
    } else if (c === '\\' && i + 1 < renamed.length) {
      out += c + renamed[++i];
      continue;
    } else if (c === quote) quote = null;
    out += c;
  }
  return out;
};
