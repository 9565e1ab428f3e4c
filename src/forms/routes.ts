import { z } from 'zod';
import { describes, pageOf } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import { formDefinitionSchema } from './form-definition.js';
import type { FormListing, FormVersion } from './forms-view.js';
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

const study = z.object({ study: z.string().min(1).max(64) });

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
}
