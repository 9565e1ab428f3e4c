import { z } from 'zod';
import type { Vault } from '../app/vault.js';
import { ok } from '../core/result.js';
import type { Route } from '../server/api-registry.js';
import { page, paged, pageQuery } from '../server/pagination.js';

const study = z.object({ study: z.string().min(1).max(64) });

export function registerStudyRoutes(route: Route, vault: Vault): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies',
      summary: 'Studies the caller works on',
      tag: 'studies',
      auth: 'actor',
      query: pageQuery,
    },
    async ({ actor, query }) => ok(page(await vault.studies.listStudies(actor), query)),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study',
      summary: 'One study',
      tag: 'studies',
      auth: 'actor',
      params: study,
    },
    ({ actor, params }) => vault.studies.getStudy(actor, params.study),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/summary',
      summary:
        'Dashboard: enrolment per site, forms missing per visit, open alerts, overdue break-glass reviews',
      tag: 'studies',
      auth: 'actor',
      params: study,
    },
    ({ actor, params }) => vault.studies.summary(actor, params.study),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/sites',
      summary: 'Sites the caller may see',
      tag: 'studies',
      auth: 'actor',
      params: study,
      query: pageQuery,
    },
    ({ actor, params, query }) => paged(vault.studies.listSites(actor, params.study), query),
  );
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
    ({ actor, params, query }) => paged(vault.forms.listForms(actor, params.study), query),
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
    ({ actor, params }) => vault.forms.getLiveForm(actor, params.study, params.form),
  );
}
