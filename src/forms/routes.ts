import { z } from 'zod';
import { describes, pageOf } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import { formDefinitionSchema } from './form-definition.js';
import { importBody } from './form-dictionary.js';
import {
  DICTIONARY_FORMATS,
  type DictionaryExport,
  type DictionaryImport,
  type FormDiff,
  type FormListing,
  type FormVersion,
  type FormVersionSummary,
} from './forms-view.js';
import type { FormService } from './service.js';

const listingAnswer = describes<FormListing>()(
  z.strictObject({
    oid: z.string(),
    name: z.string(),
    versionId: z.string(),
    version: z.number().int(),
    status: z.enum(['draft', 'live']),
    publishedAt: z.string().nullable(),
  }),
);
const formAnswer = describes<FormVersion>()(
  z.strictObject({
    formId: z.string(),
    versionId: z.string(),
    oid: z.string(),
    version: z.number().int(),
    status: z.enum(['draft', 'live']),
    definition: formDefinitionSchema.describe('The CRF definition (docs/forms.md)'),
  }),
);

const versionAnswer = describes<FormVersionSummary>()(
  z.strictObject({
    versionId: z.string(),
    version: z.number().int(),
    status: z.enum(['draft', 'live']),
    createdAt: z.string(),
    publishedAt: z.string().nullable(),
    fields: z.number().int(),
  }),
);
const fieldBrief = z.strictObject({
  oid: z.string(),
  label: z.string(),
  type: z.string(),
  class: z.string(),
});
const keyChange = z.strictObject({ key: z.string(), from: z.unknown(), to: z.unknown() });
const diffAnswer = describes<FormDiff>()(
  z.strictObject({
    oid: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    added: z.array(fieldBrief),
    removed: z.array(fieldBrief),
    changed: z.array(z.strictObject({ oid: z.string(), changes: z.array(keyChange) })),
    classChanges: z.array(z.strictObject({ oid: z.string(), from: z.string(), to: z.string() })),
    form: z.array(keyChange),
  }),
);
const importAnswer = describes<DictionaryImport>()(
  z.strictObject({
    format: z.enum(DICTIONARY_FORMATS),
    drafts: z.array(z.strictObject({ oid: z.string(), version: z.number().int(), created: z.boolean() })),
  }),
);
const exportAnswer = describes<DictionaryExport>()(
  z.strictObject({
    format: z.enum(DICTIONARY_FORMATS),
    mediaType: z.string(),
    filename: z.string(),
    forms: z.array(z.string()),
    content: z.string().describe('The dictionary file as text (JSON, REDCap CSV or ODM XML)'),
  }),
);
const publishBody = z.strictObject({
  reason: z.string().trim().min(3).max(500).describe('Why this version is published (in the audit event)'),
  confirmClinical: z
    .array(z.string().min(1).max(64))
    .max(500)
    .optional()
    .describe('Fields that look like identifiers but are confirmed clinical (stored in the clear)'),
});
const study = z.object({ study: z.string().min(1).max(64) });
const studyForm = z.object({ study: z.string().min(1).max(64), form: z.string().min(1).max(64) });

export function registerFormRoutes(route: Route, { forms }: { readonly forms: FormService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms',
      summary: 'Forms and versions',
      tag: 'forms',
      auth: 'actor',
      params: study,
      query: pageQuery,
      response: pageOf(listingAnswer),
    },
    ({ actor, params, query }) => paged(forms.listForms(actor, params.study), query),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms/:form',
      summary: 'Live definition of a form (for data entry)',
      tag: 'forms',
      auth: 'actor',
      params: z.object({ study: z.string().min(1).max(64), form: z.string().min(1).max(64) }),
      response: formAnswer,
    },
    ({ actor, params }) => forms.getLiveForm(actor, params.study, params.form),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/forms',
      summary: 'Create a form: its first draft, from a definition (form.manage)',
      tag: 'forms',
      auth: 'actor',
      params: study,
      ...parsedByService(formDefinitionSchema),
      status: 201,
      response: formAnswer,
    },
    ({ actor, params, body }) => forms.defineForm(actor, params.study, body, { expect: 'new' }),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/studies/:study/forms/:form/draft',
      summary: "Save a form's draft (a new draft after the live version; a live version never changes)",
      tag: 'forms',
      auth: 'actor',
      params: studyForm,
      ...parsedByService(formDefinitionSchema),
      response: formAnswer,
    },
    ({ actor, params, body }) => forms.defineForm(actor, params.study, body, { expect: params.form }),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/forms/:form/publish',
      summary: 'Publish the draft as a new live version, with a reason (audited)',
      tag: 'forms',
      auth: 'actor',
      params: studyForm,
      body: publishBody,
      response: formAnswer,
    },
    ({ actor, params, body }) =>
      forms.publish(actor, params.study, params.form, {
        reason: body.reason,
        ...(body.confirmClinical === undefined ? {} : { confirmClinical: body.confirmClinical }),
      }),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms/:form/versions',
      summary: "A form's versions, oldest first",
      tag: 'forms',
      auth: 'actor',
      params: studyForm,
      query: pageQuery,
      response: pageOf(versionAnswer),
    },
    ({ actor, params, query }) => paged(forms.listVersions(actor, params.study, params.form), query),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms/:form/versions/:version',
      summary: 'One version with its definition, drafts included (form.manage; the designer)',
      tag: 'forms',
      auth: 'actor',
      params: studyForm.extend({ version: z.coerce.number().int().min(1) }),
      response: formAnswer,
    },
    ({ actor, params }) => forms.getVersion(actor, params.study, params.form, params.version),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms/:form/diff',
      summary: 'Field-level difference of two versions (added, removed, changed, data class changes)',
      tag: 'forms',
      auth: 'actor',
      params: studyForm,
      query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
      response: diffAnswer,
    },
    ({ actor, params, query }) => forms.diff(actor, params.study, params.form, query.from, query.to),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/forms/import',
      summary: 'Import a data dictionary (JSON, REDCap CSV, ODM) as drafts, all or nothing',
      tag: 'forms',
      auth: 'actor',
      params: study,
      ...parsedByService(importBody),
      response: importAnswer,
    },
    ({ actor, params, body }) => forms.importDictionary(actor, params.study, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/forms/export',
      summary: "The study's forms (latest versions) as a data dictionary",
      tag: 'forms',
      auth: 'actor',
      params: study,
      query: z.object({ format: z.enum(DICTIONARY_FORMATS).default('json') }),
      response: exportAnswer,
    },
    ({ actor, params, query }) => forms.exportDictionary(actor, params.study, query.format),
  );
}
