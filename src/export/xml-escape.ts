/**
 * XML 1.0 escaping for the ODM writer. Attribute values escape whitespace controls as character
 * references, because a parser normalises a literal newline or tab in an attribute to a space and the
 * round trip must keep free text exactly. Characters XML 1.0 cannot carry become U+FFFD.
 */
/** XML 1.0 Char production: tab, newline, carriage return, and the planes minus surrogates and U+FFFE/U+FFFF. */
function xmlChar(code: number): boolean {
  return (
    code === 9 ||
    code === 10 ||
    code === 13 ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    code >= 0x10000
  );
}

function clean(text: string): string {
  let out = '';
  // for..of walks code points: a lone surrogate comes out alone and is replaced.
  for (const ch of text) out += xmlChar(ch.codePointAt(0) ?? 0) ? ch : '\uFFFD';
  return out;
}

export function escapeText(text: string): string {
  return clean(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** A quoted attribute value: `attr('a"b')` is `"a&quot;b"`. */
export function attr(value: string): string {
  return `"${escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;')}"`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric character references (the reader's side). */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(ref.slice(2), 16))
      : ref.startsWith('#')
        ? String.fromCodePoint(Number(ref.slice(1)))
        : (ENTITIES[ref] ?? ''),
  );
}
