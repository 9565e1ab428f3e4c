import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useState } from 'react';
import type { DictionaryImport } from '../../forms/forms-view.js';
import { ApiFailure, api, failureMessage } from '../api.js';

interface Issue {
  readonly line?: number;
  readonly column?: string;
  readonly path?: string;
  readonly element?: string;
  readonly oid?: string;
  readonly message: string;
}

const where = (i: Issue): string =>
  i.line !== undefined
    ? `line ${i.line}${i.column === undefined ? '' : `, ${i.column}`}`
    : (i.path ?? [i.element, i.oid].filter((x) => x !== undefined).join(' ')) || 'file';

/**
 * Loads a data dictionary (form JSON, REDCap CSV or CDISC ODM metadata, chosen by content) as drafts,
 * all or nothing; every problem is listed with its line and column, path or element (issue #15 item 3).
 */
export function DictionaryImportPanel({ studyId }: { studyId: string }) {
  const client = useQueryClient();
  const [content, setContent] = useState('');
  const load = useMutation({
    mutationFn: () =>
      api<DictionaryImport>('POST', `/api/v1/studies/${encodeURIComponent(studyId)}/forms/import`, {
        content,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['forms', studyId] }),
  });
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file !== undefined) setContent(await file.text());
  };
  const issues =
    load.error instanceof ApiFailure
      ? ((load.error.error.details as { issues?: Issue[] } | undefined)?.issues ?? [])
      : [];
  return (
    <section className="publish" aria-label="Import a data dictionary">
      <h3>Import a data dictionary</h3>
      <label htmlFor="dictionary-file">
        Form JSON, REDCap data dictionary (CSV) or CDISC ODM 1.3.2 (XML)
      </label>
      <input
        id="dictionary-file"
        type="file"
        accept=".json,.csv,.xml,text/csv,application/json"
        onChange={onFile}
      />
      <button type="button" disabled={content === '' || load.isPending} onClick={() => load.mutate()}>
        Import as drafts
      </button>
      {load.isSuccess && (
        <p role="status">
          Imported ({load.data.format}):{' '}
          {load.data.drafts.map((d) => `${d.oid} v${d.version}${d.created ? ' (new)' : ''}`).join(', ')}.
          Review and publish each form.
        </p>
      )}
      {load.isError && (
        <div role="alert" className="error">
          <p>{failureMessage(load.error)}</p>
          {issues.length > 0 && (
            <ul aria-label="Dictionary problems">
              {issues.slice(0, 200).map((i) => (
                <li key={`${where(i)}-${i.message}`}>
                  {where(i)}: {i.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
