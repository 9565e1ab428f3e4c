// Review r16 (issue #16), finding F7: names the client chooses that match nothing are accepted silently: an export
// of unknown forms or events is an empty export (201, 0 rows), an unknown or non-quasi `suppress`
// name is ignored (a typo silently suppresses nothing), and `request` is ignored on a de-identified
// export. Bad input should be a typed 4xx (VALIDATION_FAILED), as `dates` on a limited export is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, DIALECTS, type Session, STUDY, startDemo } from '../support/review-demo.js';

describe.each(DIALECTS)('%s', (dialect) => {
  let demo: Demo;
  let stat: Session;
  beforeAll(async () => {
    demo = await startDemo(dialect);
    stat = await demo.signIn('statistician');
  }, 180_000);
  afterAll(async () => demo?.stop());

  const base = { profile: 'deidentified', suppress: ['BIRTH_DATE', 'ZIP'] };
  const cases: [string, unknown][] = [
    ['unknown form', { ...base, forms: ['NOPE'] }],
    ['unknown event', { ...base, events: ['NOPE'] }],
    ['unknown suppress name', { ...base, suppress: ['BIRTHDATE', 'BIRTH_DATE', 'ZIP'] }],
    ['suppress of a clinical field', { ...base, suppress: ['HGB', 'BIRTH_DATE', 'ZIP'] }],
    ['request on a de-identified export', { ...base, request: 'not-a-request' }],
  ];

  describe('review F7: export parameters that name nothing are refused', () => {
    for (const [name, body] of cases) {
      it(name, async () => {
        for (const route of ['exports', 'export-previews']) {
          const answer = await stat.call('POST', `/api/v1/studies/${STUDY}/${route}`, body);
          expect({ route, status: answer.status, code: answer.json?.error?.code }).toEqual({
            route,
            status: 400,
            code: 'VALIDATION_FAILED',
          });
        }
      });
    }
    it('an over-long id answers the typed error envelope, not a raw framework error', async () => {
      const answer = await stat.call('GET', `/api/v1/exports/${'a'.repeat(5000)}/files/x.csv`);
      expect(answer.status).toBeLessThan(500);
      expect(typeof answer.json?.error?.code).toBe('string'); // AppError: { error: { code, message } }
      expect(answer.json?.error?.code).not.toMatch(/^FST_/);
    });
    it('a recipient with NUL or a lone surrogate is refused', async () => {
      const answer = await stat.call('POST', `/api/v1/studies/${STUDY}/exports`, {
        ...base,
        forms: ['VITALS'],
        recipient: 'DSMB\u0000\ud800',
      });
      expect(answer.status).toBe(400);
    });
    it('(control) dates on a limited export is refused', async () => {
      const answer = await stat.call('POST', `/api/v1/studies/${STUDY}/exports`, {
        profile: 'limited',
        dates: 'shift',
        recipient: 'r',
        purpose: 'p',
      });
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toBe('VALIDATION_FAILED');
    });
  });
});
