import { describe, expect, it } from 'vitest';
import { scrubFreeText } from './free-text-scrubber.js';

// Review r16 F1: dates and ages over 89 in clinical free text (HIPAA 164.514(b)(2)(i)(C)).
describe('review F1: free-text dates and ages over 89 are scrubbed', () => {
  it.each([
    ['Rash since 20240314', 'Rash since [DATE]'],
    ['Rash since 14Mar2024', 'Rash since [DATE]'],
    ['Rash 14MAR2024 resolved', 'Rash [DATE] resolved'],
    ['rash since march 14, 2024', 'rash since [DATE]'],
    ['RASH SINCE 14 MARCH 2024', 'RASH SINCE [DATE]'],
    ['Headache seen 3/14 follow up', 'Headache seen [DATE] follow up'],
    ['Rash from 14/3 to 16/3', 'Rash from [DATE] to [DATE]'],
    ['Rash since １４/０３/２０２４', 'Rash since [DATE]'],
    ['Fiebre desde el 14 de marzo de 2024', 'Fiebre desde el [DATE]'],
    ['Fièvre depuis le 14 mars 2024', 'Fièvre depuis le [DATE]'],
    ['Fieber seit 14. März 2024', 'Fieber seit [DATE]'],
    ['Seen Thursday 14th for rash', 'Seen [DATE] for rash'],
    ['Rash began on the 3rd', 'Rash began on the [DATE]'],
    ['A 94 year old woman', 'A [AGE] year old woman'],
    ['94-year-old male, aged 94', '[AGE]-year-old male, aged [AGE]'],
    ['Patient born 1931, rash', 'Patient born [AGE], rash'],
  ])('scrubs %j', (text, expected) => {
    expect(scrubFreeText(text, { year: 2026 })).toBe(expected);
  });

  it.each([
    'BP 120/80, pain 7/10, strength 5/5, GCS 15/15, vision 20/40.',
    'BP 90/60 and 100/70 overnight; murmur 2/6.',
    'A 67 year old man, aged 89, born 1950.',
    'The rash may 2 days later spread; dose 2 tabs.',
    'Year of diagnosis 2019, 12 mg daily, 1/2 tablet.',
  ])('keeps the figures that are not dates or old ages: %j', (text) => {
    expect(scrubFreeText(text, { year: 2026 })).toBe(text);
  });
});
