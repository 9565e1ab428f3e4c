import { type LogicSyntaxError, syntaxError } from './syntax-error.js';

export type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'field'; readonly v: string; readonly at: number }
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const FIELD = /\[\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*\]/y;
const OPS = ['<=', '>=', '<>', '!=', '==', '=', '<', '>', '+', '-', '*', '/', '^', '(', ')', ','];
const ALIASES: Readonly<Record<string, string>> = { '!=': '<>', '==': '=' };

/** Splits an expression into tokens; a character that starts no token is an error naming its position. */
export function tokenize(source: string): Token[] | LogicSyntaxError {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    WORD.lastIndex = i;
    FIELD.lastIndex = i;
    const num = /\d/.test(c) ? NUMBER.exec(source) : null;
    if (num !== null) {
      const v = Number(num[0]);
      if (!Number.isFinite(v)) return syntaxError(i, 'number out of range');
      tokens.push({ t: 'num', v, at: i });
      i += num[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== c; j++) {
        if (source[j] === '\\') j++;
        text += source[j] ?? '';
      }
      if (j >= source.length) return syntaxError(i, 'unterminated string');
      tokens.push({ t: 'str', v: text, at: i });
      i = j + 1;
      continue;
    }
    if (c === '[') {
      const field = FIELD.exec(source);
      if (field === null) return syntaxError(i, 'a field reference is [NAME] with letters, digits and _');
      // REDCap variable names are lower case; form OIDs are upper case (docs/forms.md).
      tokens.push({ t: 'field', v: (field[1] ?? '').toUpperCase(), at: i });
      i += field[0].length;
      continue;
    }
    const word = WORD.exec(source);
    if (word !== null) {
      tokens.push({ t: 'word', v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => source.startsWith(o, i));
    if (op === undefined) return syntaxError(i, `unexpected character ${JSON.stringify(c)}`);
    tokens.push({ t: 'op', v: ALIASES[op] ?? op, at: i });
    i += op.length;
  }
  tokens.push({ t: 'end', at: source.length });
  return tokens;
}
