import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { FormListing, FormVersion } from '../forms/forms-view.js';
import { isMissingCode } from '../forms/logic/missing-codes.js';
import type { Page } from '../http/pagination.js';
import type { Participant } from '../participants/participants-view.js';
import type { RecordView } from '../records/records-view.js';
import { api, failureMessage } from './api.js';
import { CheckMessages } from './entry/check-messages.js';
import { entryLogic, shownCalc, valuesToSend } from './entry/entry-logic.js';
import { MissingCodePicker } from './entry/missing-code-picker.js';
import { useEntryDraft } from './entry/use-entry-draft.js';
import { FieldInput, FieldLabel } from './field-input.js';
import { useMay } from './use-may.js';

/** Choosing a form and a visit for a participant's first entry. */
export function NewEntryChooser({ participantId, studyId }: { participantId: string; studyId: string }) {
  const forms = useQuery({
    queryKey: ['forms', studyId],
    queryFn: () => api<Page<FormListing>>('GET', `/api/v1/studies/${studyId}/forms`),
  });
  const [form, setForm] = useState('');
  const [visit, setVisit] = useState('');
  const live = [
    ...new Map((forms.data?.items ?? []).filter((f) => f.status === 'live').map((f) => [f.oid, f])).values(),
  ];
  const open = (event: FormEvent) => {
    event.preventDefault();
    window.location.hash = `#/new/${participantId}/${encodeURIComponent(form || (live[0]?.oid ?? ''))}/${encodeURIComponent(visit)}`;
  };
  return (
    <form onSubmit={open} aria-label="New entry">
      <label htmlFor="new-form">Form</label>
      <select id="new-form" value={form} onChange={(e) => setForm(e.target.value)}>
        {live.map((f) => (
          <option key={f.oid} value={f.oid}>
            {f.name}
          </option>
        ))}
      </select>
      <label htmlFor="new-visit">Visit (e.g. WEEK8, AE-3)</label>
      <input
        id="new-visit"
        required
        pattern="[A-Za-z0-9][A-Za-z0-9 ._\-]{0,63}"
        value={visit}
        onChange={(e) => setVisit(e.target.value)}
      />
      <button type="submit">Open the form</button>
    </form>
  );
}

/** First entry of a record, rendered from the live form definition and validated here and on the server. */
export function NewRecordPage({
  participantId,
  form,
  visit,
}: {
  participantId: string;
  form: string;
  visit: string;
}) {
  const participant = useQuery({
    queryKey: ['participant', participantId],
    queryFn: () => api<Participant>('GET', `/api/v1/participants/${participantId}`),
  });
  const definition = useQuery({
    queryKey: ['form', participant.data?.studyId, form],
    enabled: participant.data !== undefined,
    queryFn: () => api<FormVersion>('GET', `/api/v1/studies/${participant.data?.studyId}/forms/${form}`),
  });
  const client = useQueryClient();
  const may = useMay(participant.data?.studyId);
  const [values, setValues] = useState<Record<string, string>>({});
  const draft = useEntryDraft(`${participantId}/${form}/${visit}`, values);
  const save = useMutation({
    mutationFn: () => {
      const def = definition.data?.definition;
      const entered = def === undefined ? values : valuesToSend(def, values, entryLogic(def, values));
      return api<RecordView>('POST', '/api/v1/records', { participantId, form, visit, values: entered });
    },
    onSuccess: async (record) => {
      draft.discard();
      await client.invalidateQueries({ queryKey: ['records', participantId] });
      await client.invalidateQueries({ queryKey: ['grid', participantId] });
      window.location.hash = `#/records/${record.id}`;
    },
  });
  if (participant.isError)
    return (
      <p role="alert" className="error">
        {failureMessage(participant.error)}
      </p>
    );
  if (definition.isError)
    return (
      <p role="alert" className="error">
        {failureMessage(definition.error)}
      </p>
    );
  if (definition.data === undefined) return <p>Loading…</p>;
  // Reached by its address only: a role that may not enter data is told so, not offered a form.
  if (!may('record.write'))
    return (
      <p role="alert" className="error">
        Your role may not enter data in this study.
      </p>
    );
  const logic = entryLogic(definition.data.definition, values);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <section>
      <h2>
        New {definition.data.definition.name} · {visit} · {participant.data?.subjectId}
      </h2>
      {draft.found !== null && (
        <div role="alert" className="warning">
          Unsaved entry from {new Date(draft.found.savedAt).toLocaleString()} was kept in this browser.{' '}
          <button
            type="button"
            onClick={() => {
              if (draft.found !== null) setValues(draft.found.values);
              draft.dismiss();
            }}
          >
            Restore it
          </button>{' '}
          <button type="button" onClick={draft.discard}>
            Discard it
          </button>
        </div>
      )}
      <form onSubmit={submit} aria-label="Data entry">
        {definition.data.definition.fields.map((f) => {
          const id = `new-${f.oid}`;
          const value = values[f.oid] ?? '';
          const set = (v: string) => setValues({ ...values, [f.oid]: v });
          // Branching and calculations live, with the server's own module (docs/logic.md).
          if (logic.hidden.has(f.oid)) return null;
          const calc = f.calc !== undefined;
          return (
            <div className="field" key={f.oid}>
              <FieldLabel field={f} id={id} />
              <div className="field-with-code">
                <FieldInput
                  field={
                    calc ? { ...f, required: false } : isMissingCode(value) ? { ...f, required: false } : f
                  }
                  id={id}
                  value={calc ? shownCalc(logic, f.oid) : isMissingCode(value) ? '' : value}
                  disabled={calc || isMissingCode(value)}
                  onChange={set}
                />
                {!calc && <MissingCodePicker id={`${id}-missing`} oid={f.oid} value={value} onChange={set} />}
              </div>
              {f.help !== undefined && <span className="muted help">{f.help}</span>}
            </div>
          );
        })}
        <CheckMessages outcome={logic} />
        <button type="submit">Save first entry</button>{' '}
        {draft.kept !== undefined && (
          <span className="muted">Unsaved entry kept in this browser, encrypted ({draft.kept}).</span>
        )}
      </form>
      {save.isError && (
        <p role="alert" className="error">
          {failureMessage(save.error)}
        </p>
      )}
    </section>
  );
}
