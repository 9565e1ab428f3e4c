import { z } from 'zod';
import type { Route } from '../server/api-registry.js';
import { paged, pageQuery } from '../server/pagination.js';
import type { FormService } from './service.js';

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
    },
    ({ actor, params }) => forms.getLiveForm(actor, params.study, params.form),
  );
}
