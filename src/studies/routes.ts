import { z } from 'zod';
import { ok } from '../core/result.js';
import { describes, pageOf, timestamp } from '../http/answers.js';
import type { Route } from '../http/api-registry.js';
import { page, paged, pageQuery } from '../http/pagination.js';
import type { StudyService } from './service.js';
import type { Site, Study, StudySummary } from './studies-view.js';

const study = z.object({ study: z.string().min(1).max(64) });

const studyAnswer = describes<Study>()(
  z.strictObject({
    id: z.string(),
    protocolId: z.string(),
    title: z.string(),
    status: z.enum(['draft', 'live', 'closed']),
    isDemo: z.boolean(),
    createdAt: timestamp,
  }),
);
const siteAnswer = describes<Site>()(z.strictObject({ id: z.string(), code: z.string(), name: z.string() }));
const summaryAnswer = describes<StudySummary>()(
  z.strictObject({
    sites: z.array(z.strictObject({ code: z.string(), name: z.string(), participants: z.number().int() })),
    forms: z.array(
      z.strictObject({
        form: z.string(),
        visit: z.string(),
        entered: z.number().int(),
        missing: z.number().int(),
      }),
    ),
    openAlerts: z.number().int().nullable().describe('Null for callers who do not review alerts'),
    overdueBreakGlassReviews: z.number().int().nullable(),
  }),
);

export function registerStudyRoutes(route: Route, { studies }: { readonly studies: StudyService }): void {
  route(
    {
      method: 'GET',
      url: '/api/v1/studies',
      summary: 'Studies the caller works on',
      tag: 'studies',
      auth: 'actor',
      query: pageQuery,
      response: pageOf(studyAnswer),
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
      response: studyAnswer,
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
      response: summaryAnswer,
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
      response: pageOf(siteAnswer),
    },
    ({ actor, params, query }) => paged(studies.listSites(actor, params.study), query),
  );
}
