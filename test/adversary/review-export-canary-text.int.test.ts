// Review r16 (issue #16), finding F3: a canary participant copies its neighbour's free text (and event names)
// verbatim, so a recipient finds the canaries by pairing subjects with identical verbatim text and
// strips the fingerprint (docs/export.md promises canaries "shaped like" a neighbour, with made-up
// identifiers and jittered measures, that the file does not disclose).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Demo,
  DIALECTS,
  exportAndDownload,
  type Session,
  STUDY,
  startDemo,
  writeAe,
} from '../support/review-demo.js';

describe.skip.each(DIALECTS)('%s', (dialect) => {
  let demo: Demo;
  let stat: Session;
  beforeAll(async () => {
    demo = await startDemo(dialect);
    // The PI writes at every site (the demo coordinator is limited to S01).
    const writer = await demo.signIn('principal_investigator');
    const list = await writer.call('GET', `/api/v1/studies/${STUDY}/participants?limit=100`);
    expect(list.json.items.length).toBe(60);
    // A distinctive verbatim AE term per participant, as real AE verbatims are.
    for (const [i, p] of (list.json.items as { id: string }[]).entries()) {
      expect((await writeAe(writer, p.id, 'AE-9', `Pruritus left forearm episode ${i}`)).status).toBe(201);
    }
    stat = await demo.signIn('statistician');
  }, 240_000);
  afterAll(async () => demo?.stop());

  describe('review F3: canaries are not found by their copied free text', () => {
    // Left open, documented as a limit in docs/export.md ("Known limit (review r16 F3)").
    it.skip('review F3 (open): no verbatim term is carried by two subjects', async () => {
      const { answer, files } = await exportAndDownload(stat, {
        profile: 'deidentified',
        forms: ['AE'],
        suppress: ['BIRTH_DATE', 'ZIP'],
      });
      expect(answer.status).toBe(201);
      expect(answer.json.canaries).toBeGreaterThan(0);
      const long = [...files.entries()].find(([name]) => name.endsWith('-long.csv'))?.[1] ?? '';
      const subjectsByTerm = new Map<string, Set<string>>();
      for (const line of long.split('\n')) {
        const cells = line.split(',');
        if (cells[5] !== 'TERM' || !cells[6]?.startsWith('Pruritus')) continue;
        const set = subjectsByTerm.get(cells[6]) ?? new Set<string>();
        set.add(cells[0] ?? '');
        subjectsByTerm.set(cells[6], set);
      }
      const shared = [...subjectsByTerm]
        .filter(([, s]) => s.size > 1)
        .map(([t, s]) => `${t}: ${[...s].join(' ')}`);
      // Each shared term names a canary and its neighbour: the canary is found and can be removed.
      expect(shared).toEqual([]);
    });
  });
});
