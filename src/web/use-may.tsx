import { useQuery } from '@tanstack/react-query';
import type { Me } from '../access/access-view.js';
import type { Action } from '../authz/roles.js';
import type { DataClass } from '../core/data-class.js';
import type { Page } from '../http/pagination.js';
import type { Study } from '../studies/studies-view.js';
import { api } from './api.js';
import { may, mayReveal } from './may.js';

/** Why a disabled control is disabled: said on hover and to assistive technology. */
export const NOT_YOUR_ROLE = 'Your role may not do this';

/**
 * `may` bound to the signed-in user (the shared `me` query): a control for a write the user's roles
 * may not make is hidden or disabled, never offered and then refused (issue #15 item 8). The server
 * still decides every call.
 */
export function useMay(studyId?: string): (action: Action, study?: string) => boolean {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  const resolve = useStudyId();
  return (action, study = studyId) => may(me.data, action, resolve(study));
}

/**
 * A study named in an address by id or by protocol id (`#/enrolment/TV-DEMO-001`), as the id the
 * grants name: from the studies the user sees (the shared `studies` query).
 */
function useStudyId(): (ref: string | undefined) => string | undefined {
  const studies = useQuery({
    queryKey: ['studies'],
    queryFn: () => api<Page<Study>>('GET', '/api/v1/studies'),
    retry: false,
  });
  return (ref) =>
    ref === undefined ? undefined : (studies.data?.items.find((s) => s.protocolId === ref)?.id ?? ref);
}

/** `mayReveal` bound to the signed-in user: a Reveal button only for the classes the roles reveal. */
export function useMayReveal(): (dataClass: DataClass, studyId?: string) => boolean {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  const resolve = useStudyId();
  return (dataClass, studyId) => mayReveal(me.data, dataClass, resolve(studyId));
}

/** What a page reached by its address says to a role that may not use it. */
export function NotYourRole({ what }: { what: string }) {
  return (
    <p role="alert" className="error">
      Your role may not {what} in this study.
    </p>
  );
}
