// Review r16 (issue #16), finding F4: a HEAD request spends the download-once export file (no bytes delivered),
// so a proxy, link checker or download manager probing the URL destroys the file for its owner and the
// audit records a download that never happened.
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

  describe('review F4: download once', () => {
    it('review F4: a HEAD request does not spend the one download', async () => {
      const made = await stat.call('POST', `/api/v1/studies/${STUDY}/exports`, {
        profile: 'deidentified',
        forms: ['VITALS'],
        suppress: ['BIRTH_DATE', 'ZIP'],
      });
      expect(made.status).toBe(201);
      const url = `/api/v1/exports/${made.json.exportId}/files/${made.json.files[0].name}`;
      const head = await stat.call('HEAD', url);
      expect(head.text).toBe('');
      const get = await stat.call('GET', url);
      expect(get.status).toBe(200);
      expect(get.text.length).toBe(made.json.files[0].bytes);
    });
  });
});
