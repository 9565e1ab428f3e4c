import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { FormDefinition } from '../../forms/forms-view.js';
import { checkFormLogic } from '../../forms/logic/form-logic.js';
import { NotYourRole, useMay } from '../use-may.js';
import { ChecksEditor } from './checks-editor.js';
import { definitionDiff } from './definition-diff.js';
import { designerApi, loadForDesign } from './designer-api.js';
import { DictionaryImportPanel } from './dictionary-import.js';
import {
  emptyField,
  type FormDraft,
  fieldIssues,
  formDraft,
  formIssues,
  hasIssues,
  toDefinition,
} from './draft-model.js';
import { FieldEditor } from './field-editor.js';
import { FieldList } from './field-list.js';
import { FormPreview } from './form-preview.js';
import { PublishPanel } from './publish-panel.js';
import { ServerProblem } from './server-problem.js';

type Checks = NonNullable<FormDefinition['checks']>;

function FormCatalogue({ studyId }: { studyId: string }) {
  const list = useQuery({ queryKey: ['forms', studyId], queryFn: () => designerApi.list(studyId) });
  if (list.isPending) return <p>Loading…</p>;
  if (list.isError) return <ServerProblem error={list.error} />;
  const latest = new Map<string, (typeof list.data.items)[number]>();
  for (const f of list.data.items) if ((latest.get(f.oid)?.version ?? 0) < f.version) latest.set(f.oid, f);
  return (
    <section>
      <h2>Form designer</h2>
      <p>
        <a href={`#/studies/${studyId}`}>Back to the study</a> ·{' '}
        <a href={`#/designer/${studyId}/new`}>New form</a>
      </p>
      <ul className="cards">
        {[...latest.values()].map((f) => (
          <li key={f.oid}>
            <a href={`#/designer/${studyId}/${f.oid}`}>
              <strong>{f.oid}</strong> {f.name}{' '}
              <span className="badge">
                v{f.version} {f.status}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <DictionaryImportPanel studyId={studyId} />
    </section>
  );
}

/** A draft as the server would store it, for "is this saved?" (key order and empty inputs aside). */
const canonical = (draft: FormDraft): string => JSON.stringify(toDefinition(draft));

const blank = (): FormDraft => ({ oid: '', name: '', description: '', rest: {}, fields: [emptyField([])] });

function FormDesigner({ studyId, oid }: { studyId: string; oid: string }) {
  const client = useQueryClient();
  const isNew = oid === 'new';
  const versions = useQuery({
    queryKey: ['form-versions', studyId, oid],
    queryFn: () => loadForDesign(studyId, oid),
    enabled: !isNew,
  });
  const [draft, setDraft] = useState<FormDraft | undefined>(isNew ? blank() : undefined);
  const [selected, setSelected] = useState<string | undefined>(draft?.fields[0]?.key);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [published, setPublished] = useState<number | undefined>(undefined);
  const newest = versions.data?.newest;
  const live = versions.data?.live;
  useEffect(() => {
    if (draft === undefined && newest !== undefined) {
      const made = formDraft(newest.definition);
      setDraft(made);
      setSelected(made.fields[0]?.key);
      setSaved(canonical(made));
    }
  }, [draft, newest]);
  const definition = useMemo(() => (draft === undefined ? null : toDefinition(draft)), [draft]);
  const save = useMutation({
    mutationFn: (d: FormDefinition) =>
      isNew ? designerApi.create(studyId, d) : designerApi.saveDraft(studyId, oid, d),
    onSuccess: async (version) => {
      setPublished(undefined);
      setSaved(canonical(formDraft(version.definition)));
      await client.invalidateQueries({ queryKey: ['forms', studyId] });
      await client.invalidateQueries({ queryKey: ['form-versions', studyId, version.oid] });
      if (isNew) window.location.hash = `#/designer/${studyId}/${version.oid}`;
    },
  });
  if (!isNew && versions.isError) return <ServerProblem error={versions.error} />;
  if (draft === undefined) return <p>Loading…</p>;
  const perField = new Map(draft.fields.map((f) => [f.key, fieldIssues(f, draft.fields)]));
  const incomplete = new Set([...perField].filter(([, i]) => hasIssues(i)).map(([k]) => k));
  const problems = definition === null ? [] : checkFormLogic(definition);
  const problemsOf = (index: number) =>
    problems.filter((p) => p.path[0] === 'fields' && p.path[1] === index).map((p) => p.message);
  const formLevel = formIssues(draft);
  const ready =
    definition !== null && incomplete.size === 0 && !hasIssues(formLevel) && problems.length === 0;
  const dirty = definition === null || canonical(draft) !== saved;
  const current = draft.fields.find((f) => f.key === selected);
  const index = draft.fields.findIndex((f) => f.key === selected);
  const checks = (draft.rest.checks as Checks | undefined) ?? [];
  return (
    <section className="designer">
      <h2>
        {isNew ? 'New form' : `Designing ${draft.oid}`}{' '}
        {newest !== undefined && (
          <span className="badge">
            latest v{newest.version} {newest.status}
          </span>
        )}
      </h2>
      <p>
        <a href={`#/designer/${studyId}`}>All forms</a>
      </p>
      <div className="row">
        <span>
          <label htmlFor="form-oid">Form OID</label>
          <input
            id="form-oid"
            value={draft.oid}
            disabled={!isNew}
            onChange={(e) => setDraft({ ...draft, oid: e.target.value.toUpperCase() })}
          />
          {formLevel.oid !== undefined && <span className="error field-issue">{formLevel.oid}</span>}
        </span>
        <span>
          <label htmlFor="form-name">Form name</label>
          <input
            id="form-name"
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          />
          {formLevel.name !== undefined && <span className="error field-issue">{formLevel.name}</span>}
        </span>
      </div>
      <div className="designer-columns">
        <div>
          <FieldList
            fields={draft.fields}
            selected={selected}
            incomplete={incomplete}
            onSelect={setSelected}
            onReorder={(fields) => setDraft({ ...draft, fields })}
          />
          <button
            type="button"
            onClick={() => {
              const field = emptyField(draft.fields.map((f) => f.oid));
              setDraft({ ...draft, fields: [...draft.fields, field] });
              setSelected(field.key);
            }}
          >
            Add field
          </button>
        </div>
        {current !== undefined && (
          <FieldEditor
            key={current.key}
            field={current}
            issues={perField.get(current.key) ?? {}}
            logicProblems={problemsOf(index)}
            onChange={(f) =>
              setDraft({ ...draft, fields: draft.fields.map((x) => (x.key === f.key ? f : x)) })
            }
            onRemove={() => {
              const fields = draft.fields.filter((x) => x.key !== current.key);
              setDraft({ ...draft, fields });
              setSelected(fields[0]?.key);
            }}
          />
        )}
      </div>
      <ChecksEditor
        checks={checks}
        onChange={(c) => setDraft({ ...draft, rest: { ...draft.rest, checks: c } })}
      />
      {problems
        .filter((p) => p.path[0] === 'checks')
        .map((p) => (
          <p key={p.message} className="error">
            {p.message}
          </p>
        ))}
      <p>
        <button
          type="button"
          disabled={!ready || !dirty || save.isPending}
          onClick={() => definition && save.mutate(definition)}
        >
          {dirty ? 'Save draft' : 'Draft saved'}
        </button>{' '}
        {!ready && <span className="muted">Complete the fields marked "needs attention" to save.</span>}
      </p>
      {save.isError && <ServerProblem error={save.error} />}
      {definition !== null && <FormPreview definition={definition} />}
      {published !== undefined && (
        <p role="status">Version {published} is live. Records entered before keep their version.</p>
      )}
      {definition !== null && newest?.status === 'draft' && !dirty && (
        <PublishPanel
          studyId={studyId}
          oid={definition.oid}
          diff={definitionDiff(live?.definition, definition)}
          onPublished={async (version) => {
            setPublished(version);
            await client.invalidateQueries({ queryKey: ['form-versions', studyId, definition.oid] });
            await client.invalidateQueries({ queryKey: ['forms', studyId] });
          }}
        />
      )}
    </section>
  );
}

/** #/designer/STUDY (the study's forms) and #/designer/STUDY/FORM or /new (issue #15 item 2). */
export function DesignerPage({ studyId, formOid }: { studyId: string; formOid: string | undefined }) {
  const may = useMay(studyId);
  // Reached by its address only: a role without form.manage is told so, not offered a designer.
  if (!may('form.manage')) return <NotYourRole what="design forms" />;
  return formOid === undefined ? (
    <FormCatalogue studyId={studyId} />
  ) : (
    <FormDesigner key={formOid} studyId={studyId} oid={formOid} />
  );
}
