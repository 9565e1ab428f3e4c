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
      out += `[${rename(source.slice(i + 1, end))}]`;
      i = end;
    } else out += c;
  }
  return out;
}

export const fromRedcap = (source: string): string => renameFields(source.trim(), (n) => n.toUpperCase());
export const toRedcap = (source: string): string => renameFields(source, (n) => n.toLowerCase());
