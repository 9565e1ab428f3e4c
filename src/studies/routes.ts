import { z } from 'zod';
import { ok } from '../core/result.js';
import type { Route } from '../server/api-registry.js';
import { page, paged, pageQuery } from '../server/pagination.js';
import type { StudyService } from './service.js';

const study = z.object({ study: z.string().min(1).max(64) });

export function registerStudyRoutes(route: Route, { studies }: { readonly studies: StudyService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies',
      summary: 'Studies the caller works on',
      tag: 'studies',
      auth: 'actor',
      query: pageQuery,
    },
    async ({ actor, query }) => ok(page(await studies.listStudies(actor), query)),
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
    ({ actor, params }) => studies.getStudy(actor, params.study),
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
    ({ actor, params }) => studies.summary(actor, params.study),
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
    ({ actor, params, query }) => paged(studies.listSites(actor, params.study), query),
  );
}
