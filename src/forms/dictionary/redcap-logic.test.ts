import { describe, expect, it } from 'vitest';
import { parseExpression } from '../logic/parser.js';
import { isSyntaxError } from '../logic/syntax-error.js';
import { fromRedcap, toRedcap } from './redcap-logic.js';

describe('REDCap logic and checkboxes (issue #15 item 2)', () => {
  it('reads [name(code)] as checked([NAME], "code") and writes it back', () => {
    const read = fromRedcap("[symptoms(2)] = '1' and [sex] = 'F'");
    expect(read).toBe("checked([SYMPTOMS], \"2\") = '1' and [SEX] = 'F'");
    expect(isSyntaxError(parseExpression(read))).toBe(false);
    expect(toRedcap(read)).toBe("[symptoms(2)] = '1' and [sex] = 'F'");
    expect(fromRedcap(toRedcap('not checked([AE_TYPE], "rash")'))).toBe('not checked([AE_TYPE], "rash")');
  });

  it('leaves string literals alone', () => {
    expect(toRedcap('[x] = "checked([y], \\"1\\")"')).toBe('[x] = "checked([y], \\"1\\")"');
    expect(fromRedcap("[x] = '[a(1)]'")).toBe("[X] = '[a(1)]'");
  });
});
