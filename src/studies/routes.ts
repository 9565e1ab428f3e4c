import { z } from 'zod';
import { ok } from '../core/result.js';
import { describes, pageOf, timestamp } from '../http/answers.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { page, paged, pageQuery } from '../http/pagination.js';
import type { StudyService } from './service.js';
import type { Site, Study, StudySummary } from './studies-view.js';

const study = z.object({ study: z.string().min(1).max(64) });

const studySite = z.object({ study: z.string().min(1).max(64), site: z.string().min(1).max(64) });

// Documented here, parsed by the service after it has decided who may ask (a refused caller learns
// nothing from a validation answer).
const newStudyBody = z.strictObject({
  protocolId: z.string().describe('Letters, digits, . _ - (at most 64); never changes'),
  title: z.string().describe('1 to 300 characters'),
  isDemo: z.boolean().optional().describe('Label the study as demonstration data (exports say so)'),
});
const titleBody = z.strictObject({ title: z.string().describe('1 to 300 characters') });
const statusBody = z.strictObject({
  status: z.enum(['live', 'closed']).describe('Forward only: draft -> live -> closed'),
  reason: z.string().describe('Why (3 to 1000 characters); no protected values'),
});
const newSiteBody = z.strictObject({
  code: z.string().describe('Upper case letters and digits (at most 10); never changes'),
  name: z.string().describe('1 to 200 characters'),
});
const siteNameBody = z.strictObject({ name: z.string().describe('1 to 200 characters') });

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
      method: 'POST',
      url: '/api/v1/studies',
      summary: 'Create a study (draft; system administrators)',
      tag: 'studies',
      auth: 'actor',
      ...parsedByService(newStudyBody),
      status: 201,
      response: studyAnswer,
    },
    ({ actor, body }) => studies.createStudy(actor, body),
  );
  route(
    {
      method: 'PATCH',
      url: '/api/v1/studies/:study',
      summary: "Change a study's title (refused once closed)",
      tag: 'studies',
      auth: 'actor',
      params: study,
      ...parsedByService(titleBody),
      response: studyAnswer,
    },
    ({ actor, params, body }) => studies.editStudy(actor, params.study, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/status',
      summary: 'Move a study forward (draft -> live -> closed) with a reason',
      tag: 'studies',
      auth: 'actor',
      params: study,
      ...parsedByService(statusBody),
      response: studyAnswer,
    },
    ({ actor, params, body }) => studies.changeStatus(actor, params.study, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/sites',
      summary: 'Add a site (refused once closed)',
      tag: 'studies',
      auth: 'actor',
      params: study,
      ...parsedByService(newSiteBody),
      status: 201,
      response: siteAnswer,
    },
    ({ actor, params, body }) => studies.addSite(actor, params.study, body),
  );
  route(
    {
      method: 'PATCH',
      url: '/api/v1/studies/:study/sites/:site',
      summary: 'Rename a site (its code stays; refused once closed)',
      tag: 'studies',
      auth: 'actor',
      params: studySite,
      ...parsedByService(siteNameBody),
      response: siteAnswer,
    },
    ({ actor, params, body }) => studies.editSite(actor, params.study, params.site, body),
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
