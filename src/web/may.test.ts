import { describe, expect, it } from 'vitest';
import type { Me } from '../access/access-view.js';
import { may, mayReveal } from './may.js';

const me = (role: string, studyId: string | null): Me => ({
  actor: 'user',
  roles: [{ role, studyId, siteId: null }],
});

describe('what the web app offers follows the server matrix (deny by default)', () => {
  it('offers form design to a study administrator of that study only', () => {
    expect(may(me('study_admin', 'S1'), 'form.manage', 'S1')).toBe(true);
    expect(may(me('study_admin', 'S1'), 'form.manage', 'S2')).toBe(false);
  });
  it('does not offer it to a coordinator, an unknown role or no one', () => {
    expect(may(me('coordinator', 'S1'), 'form.manage', 'S1')).toBe(false);
    expect(may(me('superuser', null), 'form.manage', 'S1')).toBe(false);
    expect(may(undefined, 'form.manage', 'S1')).toBe(false);
  });
});

describe('Reveal is offered to the roles that may reveal the class', () => {
  it('a coordinator reveals quasi-identifiers, a statistician nothing, a finance role payments only', () => {
    expect(mayReveal(me('coordinator', 'S1'), 'quasi', 'S1')).toBe(true);
    expect(mayReveal(me('statistician', 'S1'), 'quasi', 'S1')).toBe(false);
    expect(mayReveal(me('finance', 'S1'), 'financial', 'S1')).toBe(true);
    expect(mayReveal(me('finance', 'S1'), 'identifier', 'S1')).toBe(false);
    expect(mayReveal(me('coordinator', 'S1'), 'quasi', 'S2')).toBe(false);
  });
});
