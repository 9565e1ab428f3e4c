import { useQuery } from '@tanstack/react-query';
import type { Me } from '../access/access-view.js';
import { api } from './api.js';
import { may } from './may.js';

/** Links to a study's set-up pages, shown only to roles that may use them (issue #15 item 8). */
export function StudyTools({ studyId }: { studyId: string }) {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  if (!may(me.data, 'form.manage', studyId)) return null;
  return (
    <nav aria-label="Study set-up" className="study-tools">
      <a href={`#/designer/${studyId}`}>Design forms</a> <a href={`#/schedule/${studyId}`}>Visit schedule</a>
    </nav>
  );
}
