import { describe, expect, it } from 'vitest';
import type { ScheduleDefinition } from '../schedule/schedule-definition.js';
import { eventNamer } from './event-names.js';
import { scrubFreeText } from './free-text-scrubber.js';

const schedule = {
  events: [
    { oid: 'SCREENING', name: 'Screening', kind: 'screening', forms: ['DEMOG'] },
    { oid: 'AE', name: 'Adverse events', kind: 'repeating', forms: ['AE'] },
  ],
} as unknown as ScheduleDefinition;

describe('review F2: visit keys in de-identified exports', () => {
  it('keeps schedule event OIDs and neutralises any other key per participant', () => {
    const name = eventNamer('deidentified', schedule, scrubFreeText);
    expect(['SCREENING', 'AE-2', '2024-03-14', 'WEEK4', '2024-03-14', 'UNSCHEDULED-1'].map(name)).toEqual([
      'SCREENING',
      'AE-2',
      'UNSCHEDULED-1',
      'UNSCHEDULED-2',
      'UNSCHEDULED-1',
      'UNSCHEDULED-3',
    ]);
  });
  it('without a schedule keeps event-OID-shaped keys the scrubber leaves alone', () => {
    const name = eventNamer('limited', undefined, scrubFreeText);
    expect(['WEEK4', 'V20240314', 'UNSCHED 14.03.2024', 'John Smith'].map(name)).toEqual([
      'WEEK4',
      'UNSCHEDULED-1',
      'UNSCHEDULED-2',
      'UNSCHEDULED-3',
    ]);
  });
  it('identified exports keep every key', () => {
    expect(eventNamer('identified', schedule, scrubFreeText)('2024-03-14')).toBe('2024-03-14');
  });
});
