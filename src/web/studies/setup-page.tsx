import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { Me } from '../../access/access-view.js';
import type { Page } from '../../http/pagination.js';
import type { Site, Study } from '../../studies/studies-view.js';
import { api, failureMessage } from '../api.js';
import { may } from '../may.js';

const NEXT: Record<Study['status'], 'live' | 'closed' | undefined> = {
  draft: 'live',
  live: 'closed',
  closed: undefined,
};

/** Who sets a study up: the roles with study.setup there (system and study administrators). */
const setsUp = (me: Me | undefined, studyId: string | undefined) => may(me, 'study.setup', studyId);

function CreateStudy() {
  const client = useQueryClient();
  const [protocolId, setProtocolId] = useState('');
  const [title, setTitle] = useState('');
  const create = useMutation({
    mutationFn: () => api<Study>('POST', '/api/v1/studies', { protocolId, title }),
    onSuccess: (study) => {
      setProtocolId('');
      setTitle('');
      window.location.hash = `#/setup/${encodeURIComponent(study.protocolId)}`;
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['setup-studies'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Create a study" className="inline-form">
      <label htmlFor="new-protocol">Protocol id</label>
      <input id="new-protocol" required value={protocolId} onChange={(e) => setProtocolId(e.target.value)} />
      <label htmlFor="new-title">Title</label>
      <input id="new-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
      <button type="submit">Create study</button>
      {create.isError && <p className="error">{failureMessage(create.error)}</p>}
    </form>
  );
}

function SiteRow({ study, site, editable }: { study: Study; site: Site; editable: boolean }) {
  const client = useQueryClient();
  const [name, setName] = useState<string | undefined>(undefined);
  const rename = useMutation({
    mutationFn: (next: string) =>
      api<Site>(
        'PATCH',
        `/api/v1/studies/${encodeURIComponent(study.id)}/sites/${encodeURIComponent(site.code)}`,
        { name: next },
      ),
    onSuccess: () => setName(undefined),
    onSettled: () => client.invalidateQueries({ queryKey: ['setup-sites', study.id] }),
  });
  return (
    <li>
      <strong>{site.code}</strong> {site.name}{' '}
      {editable && name === undefined && (
        <button type="button" onClick={() => setName(site.name)}>
          Rename {site.code}
        </button>
      )}
      {name !== undefined && (
        <form
          className="inline-form"
          aria-label={`Rename site ${site.code}`}
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate(name);
          }}
        >
          <label htmlFor={`site-name-${site.code}`}>New name</label>
          <input
            id={`site-name-${site.code}`}
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setName(undefined)}>
            Cancel
          </button>
        </form>
      )}
      {rename.isError && <p className="error">{failureMessage(rename.error)}</p>}
    </li>
  );
}

function StudySetup({ study, editable }: { study: Study; editable: boolean }) {
  const client = useQueryClient();
  const open = editable && study.status !== 'closed';
  const sites = useQuery({
    queryKey: ['setup-sites', study.id],
    queryFn: () => api<Page<Site>>('GET', `/api/v1/studies/${encodeURIComponent(study.id)}/sites?limit=1000`),
  });
  const [title, setTitle] = useState(study.title);
  const [code, setCode] = useState('');
  const [siteName, setSiteName] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const refresh = () => client.invalidateQueries({ queryKey: ['setup-studies'] });
  const edit = useMutation({
    mutationFn: () => api<Study>('PATCH', `/api/v1/studies/${encodeURIComponent(study.id)}`, { title }),
    onSettled: refresh,
  });
  const addSite = useMutation({
    mutationFn: () =>
      api<Site>('POST', `/api/v1/studies/${encodeURIComponent(study.id)}/sites`, { code, name: siteName }),
    onSuccess: () => {
      setCode('');
      setSiteName('');
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['setup-sites', study.id] }),
  });
  const next = NEXT[study.status];
  const move = useMutation({
    mutationFn: () =>
      api<Study>('POST', `/api/v1/studies/${encodeURIComponent(study.id)}/status`, { status: next, reason }),
    onSuccess: () => {
      setConfirming(false);
      setReason('');
    },
    onSettled: refresh,
  });
  return (
    <section aria-label={`Study ${study.protocolId}`}>
      <h2>
        {study.protocolId}: {study.title}{' '}
        <span className={`status status-${study.status}`}>({study.status})</span>
      </h2>
      {study.status === 'closed' && <p className="muted">This study is closed: it takes no more changes.</p>}
      {open && (
        <form
          className="inline-form"
          aria-label="Study title"
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate();
          }}
        >
          <label htmlFor="study-title">Title</label>
          <input id="study-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
          <button type="submit">Save title</button>
          {edit.isError && <p className="error">{failureMessage(edit.error)}</p>}
        </form>
      )}
      <h3>Sites</h3>
      {sites.isError && <p className="error">{failureMessage(sites.error)}</p>}
      {sites.data?.items.length === 0 && <p className="muted">No sites yet.</p>}
      <ul aria-label="Sites">
        {(sites.data?.items ?? []).map((s) => (
          <SiteRow key={s.id} study={study} site={s} editable={open} />
        ))}
      </ul>
      {open && (
        <form
          className="inline-form"
          aria-label="Add a site"
          onSubmit={(e) => {
            e.preventDefault();
            addSite.mutate();
          }}
        >
          <label htmlFor="site-code">Site code</label>
          <input
            id="site-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
          />
          <label htmlFor="site-name">Site name</label>
          <input id="site-name" required value={siteName} onChange={(e) => setSiteName(e.target.value)} />
          <button type="submit">Add site</button>
          {addSite.isError && <p className="error">{failureMessage(addSite.error)}</p>}
        </form>
      )}
      {open && next !== undefined && (
        <>
          <h3>Status</h3>
          {!confirming ? (
            <button type="button" onClick={() => setConfirming(true)}>
              {next === 'live' ? 'Move to live' : 'Close the study'}
            </button>
          ) : (
            <form
              className="inline-form"
              aria-label="Confirm the status change"
              onSubmit={(e) => {
                e.preventDefault();
                move.mutate();
              }}
            >
              <p>
                {next === 'live'
                  ? 'Moving to live cannot be undone.'
                  : 'Closing is final: no more enrolment, records, forms, sites or changes.'}
              </p>
              <label htmlFor="status-reason">Reason (no participant data)</label>
              <input
                id="status-reason"
                required
                minLength={3}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
              <button type="submit">Confirm: {next}</button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </form>
          )}
          {move.isError && <p className="error">{failureMessage(move.error)}</p>}
        </>
      )}
    </section>
  );
}

/** The Studies set-up page (#/setup, #/setup/PROTOCOL): list, create, and set one study up. */
export function StudySetupPage({ selected }: { selected: string | undefined }) {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  const studies = useQuery({
    queryKey: ['setup-studies'],
    queryFn: () => api<Page<Study>>('GET', '/api/v1/studies?limit=1000'),
  });
  const creates = may(me.data, 'study.create');
  const list = studies.data?.items ?? [];
  const current = list.find((s) => s.protocolId === selected || s.id === selected);
  return (
    <div>
      <h1>Study set-up</h1>
      {studies.isError && <p className="error">{failureMessage(studies.error)}</p>}
      <table>
        <thead>
          <tr>
            <th>Protocol</th>
            <th>Title</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {list.map((s) => (
            <tr key={s.id}>
              <td>
                <a href={`#/setup/${encodeURIComponent(s.protocolId)}`}>{s.protocolId}</a>
              </td>
              <td>{s.title}</td>
              <td>{s.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {creates && (
        <>
          <h2>New study</h2>
          <CreateStudy />
        </>
      )}
      {current !== undefined && (
        <StudySetup
          key={`${current.id}-${current.status}`}
          study={current}
          editable={setsUp(me.data, current.id)}
        />
      )}
    </div>
  );
}
