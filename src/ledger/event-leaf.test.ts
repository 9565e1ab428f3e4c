import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.js';
import { eventLeaf, LEAF_LABEL } from './event-leaf.js';

const text = fc.option(fc.string(), { nil: null });

describe('eventLeaf', () => {
  it('is the label and the canonical JSON of the event (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.string(),
        fc.string(),
        text,
        text,
        text,
        text,
        fc.dictionary(fc.string(), fc.jsonValue()),
        (seq, at, actor, study, record, reason, client, details) => {
          const row = {
            seq,
            at,
            actor,
            action: 'record.update',
            outcome: 'success' as const,
            study_id: study,
            participant_id: null,
            record_id: record,
            target: null,
            reason,
            client,
            details: JSON.stringify(details),
          };
          const expected = canonicalJson({
            seq,
            at,
            actor,
            action: row.action,
            outcome: row.outcome,
            study,
            participant: null,
            record,
            target: null,
            reason,
            client,
            details: JSON.parse(row.details),
          });
          expect(eventLeaf(row).toString('utf8')).toBe(LEAF_LABEL + expected);
        },
      ),
    );
  });
});
