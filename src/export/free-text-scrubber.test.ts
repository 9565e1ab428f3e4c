import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findPhi, scrubFreeText } from './free-text-scrubber.js';

describe('free-text scrubber (HIPAA 164.514(b)(2)(i))', () => {
  it.each([
    ['Pt John Smith seen on 03/14/2024.', 'Pt [NAME] seen on [DATE].'],
    ['Contact wife Mary at (555) 123-4567.', 'Contact wife [NAME] at [PHONE].'],
    ['MRN 00123456; MRN: A1234567', 'MRN [MRN]; MRN: [MRN]'],
    ['Lives at 368 Blind Lane, Port Hudson, CA 94110.', 'Lives at [ADDRESS].'],
    ['Reach her at aryanna68@gmail.com today', 'Reach her at [EMAIL] today'],
    ['Seen by Dr. Corkery; Corkery agrees.', 'Seen by Dr. [NAME]; [NAME] agrees.'],
    ['Corkery, Kaelyn is a 54 yo male.', '[NAME] is a 54 yo male.'],
    [
      'Admitted 14-Mar-2024, discharged March 18, 2024, review in April 2024.',
      'Admitted [DATE], discharged [DATE], review in [DATE].',
    ],
    ['Call +15551234567 or 555.123.4567 x1234', 'Call [PHONE] or [PHONE]'],
  ])('scrubs %j', (text, expected) => {
    expect(scrubFreeText(text)).toBe(expected);
  });

  it.each([
    'History of Parkinson disease; Foley catheter placed.',
    'Apgar scores 8 and 9 at 1 and 5 minutes.',
    'Swan Ganz catheter removed. Guillain Barre syndrome ruled out. Glasgow Coma Scale 15.',
    'Jackson Pratt drain in place. Hodgkin lymphoma in remission. Bell palsy resolved.',
    'Tremor worse per caregiver. Down syndrome noted. Dictated by the RN. Cushing syndrome excluded.',
    'BP 120/80, HR 72, 2 tabs of Tylenol 500 mg. Follow up in 2 weeks. Year of diagnosis 2019.',
  ])('keeps the eponyms and figures of a PHI-free sentence: %j', (text) => {
    expect(scrubFreeText(text)).toBe(text);
  });

  it('types every span and never returns overlapping spans', () => {
    const spans = findPhi(
      'Dr. Ann Lee (ann.lee@example.org, 555-123-4567) saw pt 3/4/2024 at 12 Oak St, Salem, OR 97301.',
    );
    expect(spans.map((s) => s.kind)).toEqual(['NAME', 'EMAIL', 'PHONE', 'DATE', 'ADDRESS']);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.start).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? 0);
    }
  });
});

// Properties: whatever surrounds it, a shaped identifier never survives, and lower-case prose is untouched.
const prose = fc.stringMatching(/^[a-z ,;()]{0,40}$/);
const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

describe('free-text scrubber properties', () => {
  it('leaves text without capitals, digits or @ unchanged (no false positive in lower-case prose)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z .,;:()'-]{0,200}$/), (text) => scrubFreeText(text) === text),
    );
  });

  it('is idempotent: a scrubbed text scrubs to itself', () => {
    const text = fc.array(
      fc.oneof(prose, fc.constantFrom('Dr. Smith', '03/14/2024', 'MRN 1234567', 'Foley')),
      {
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(text, (parts) => {
        const once = scrubFreeText(parts.join(' '));
        return scrubFreeText(once) === once;
      }),
    );
  });

  it('removes every US phone number in every common format', () => {
    const phone = fc
      .tuple(digits(3), digits(3), digits(4), fc.integer({ min: 0, max: 4 }))
      .map(
        ([a, b, c, f]) =>
          [`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `${a}.${b}.${c}`, `+1${a}${b}${c}`, `1-${a}-${b}-${c} x12`][
            f
          ] as string,
      );
    fc.assert(
      fc.property(prose, phone, prose, (before, p, after) => {
        const out = scrubFreeText(`${before} ${p} ${after}`);
        return !out.includes(p.replace(/ x12$/, '')) && out.includes('[PHONE]');
      }),
    );
  });

  it('removes every date (day, month and year) in every common format', () => {
    const date = fc.tuple(
      fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 5 }),
    );
    fc.assert(
      fc.property(prose, date, prose, (before, [d, f], after) => {
        const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
        const month = d.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
        const p2 = (n: number) => String(n).padStart(2, '0');
        const text = [
          `${p2(m)}/${p2(day)}/${y}`,
          `${y}-${p2(m)}-${p2(day)}`,
          `${month} ${day}, ${y}`,
          `${day} ${month} ${y}`,
          `${p2(day)}-${month.slice(0, 3)}-${y}`,
          `${m}/${day}/${String(y).slice(2)}`,
        ][f] as string;
        const out = scrubFreeText(`${before} ${text} ${after}`);
        return !out.includes(text) && out.includes('[DATE]');
      }),
    );
  });

  it('removes every e-mail address', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    const email = fc
      .tuple(
        fc.stringMatching(/^[a-z0-9]([a-z0-9._+-]{0,10}[a-z0-9])?$/),
        label,
        fc.constantFrom('com', 'org', 'net', 'io'),
      )
      .map(([l, d, t]) => `${l}@${d}.${t}`);
    fc.assert(
      fc.property(
        prose,
        email,
        prose,
        (before, e, after) => !scrubFreeText(`${before} ${e} ${after}`).includes(e),
      ),
    );
  });

  it('removes every medical record number after its cue', () => {
    const mrn = fc.tuple(
      fc.constantFrom('MRN', 'MRN:', 'MR#', 'Medical record number', 'chart #'),
      digits(8),
    );
    fc.assert(
      fc.property(prose, mrn, (before, [cue, n]) => !scrubFreeText(`${before} ${cue} ${n}.`).includes(n)),
    );
  });
});
