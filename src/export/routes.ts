import { z } from 'zod';
import { ok } from '../core/result.js';
import { parsedByService, type Route } from '../http/api-registry.js';
import { approvalSchema, identifiedRequestSchema } from './dual-control.js';
import {
  exportListAnswer,
  exportPreviewAnswer,
  exportReportAnswer,
  exportRequestAnswer,
  exportRequestsAnswer,
  fileBytesAnswer,
  identifiedAnswer,
  odmImportAnswer,
  recipientAnswerSchema,
  recipientsAnswer,
} from './export-answers.js';
import { odmImportSchema } from './odm-import.js';
import { recipientSchema } from './recipients.js';
import { type ExportService, exportRequestSchema } from './service.js';

const study = z.object({ study: z.string().min(1).max(64) });
const id = z.object({ id: z.string().min(1).max(64) });
const file = z.object({ id: z.string().min(1).max(64), name: z.string().min(1).max(160) });

/** Exports over the API (docs/export.md); the rules live in the service, never here. Takes only its own service (issue #14). */
export function registerExportRoutes(route: Route, { exports }: { readonly exports: ExportService }): void {
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/exports',
      summary: 'Make an export (profile enforced on the server; refused above the re-identification risk)',
      tag: 'exports',
      auth: 'actor',
      params: study,
      ...parsedByService(exportRequestSchema),
      status: 201,
      response: exportReportAnswer,
    },
    ({ actor, params, body }) => exports.create(actor, params.study, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/exports',
      summary: "The study's exports: recipient, purpose, files and their SHA-256",
      tag: 'exports',
      auth: 'actor',
      params: study,
      response: exportListAnswer,
    },
    ({ actor, params }) => exports.list(actor, params.study),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/exports/:id/files/:name',
      summary: 'Download one file of an export: once, by its maker, within its window',
      tag: 'exports',
      auth: 'actor',
      params: file,
      response: fileBytesAnswer,
    },
    async ({ actor, params, reply }) => {
      const got = await exports.download(actor, params.id, params.name);
      if (!got.ok) return got;
      reply
        .type(got.value.mediaType)
        .header('content-disposition', `attachment; filename="${got.value.name}"`)
        .header('x-content-sha256', got.value.sha256)
        .header('cache-control', 'no-store');
      return ok(got.value.content);
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/export-requests',
      summary: 'Request an identified export (re-authenticated; a second person approves)',
      tag: 'exports',
      auth: 'actor',
      params: study,
      ...parsedByService(identifiedRequestSchema),
      status: 201,
      rateLimit: 'sign-in',
      response: exportRequestAnswer,
    },
    ({ actor, params, body }) => exports.dualControl.request(actor, params.study, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/export-requests',
      summary: 'The approval queue of identified exports',
      tag: 'exports',
      auth: 'actor',
      params: study,
      response: exportRequestsAnswer,
    },
    ({ actor, params }) => exports.dualControl.pending(actor, params.study),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/export-requests/:id/approve',
      summary: 'Approve an identified export (another person, another role, re-authenticated)',
      tag: 'exports',
      auth: 'actor',
      params: id,
      ...parsedByService(approvalSchema),
      rateLimit: 'sign-in',
      response: exportRequestAnswer,
    },
    ({ actor, params, body }) => exports.dualControl.approve(actor, params.id, body),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/studies/:study/export-recipients',
      summary: 'Record an export recipient: blinding and data use agreement',
      tag: 'exports',
      auth: 'actor',
      params: study,
      ...parsedByService(recipientSchema),
      response: recipientAnswerSchema,
    },
    ({ actor, params, body }) => exports.recipients.save(actor, params.study, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/export-recipients',
      summary: "The study's export recipients",
      tag: 'exports',
      auth: 'actor',
      params: study,
      response: recipientsAnswer,
    },
    ({ actor, params }) => exports.recipients.list(actor, params.study),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/exports/identify',
      summary: 'Name the export a leaked file or fragment came from',
      tag: 'exports',
      auth: 'actor',
      body: z.strictObject({ text: z.string().min(1).max(5_000_000) }),
      response: identifiedAnswer,
    },
    ({ actor, body }) => exports.identify(actor, body.text),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/imports/odm',
      summary: 'Import an ODM 1.3.2 ClinicalData export into a study with the same forms (all or nothing)',
      tag: 'exports',
      auth: 'actor',
      params: study,
      ...parsedByService(odmImportSchema),
      status: 201,
      response: odmImportAnswer,
    },
    ({ actor, params, body }) => exports.importOdm(actor, params.study, body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/studies/:study/export-previews',
      summary:
        'The first rows of an export as the recipient will see them (same profile rules; writes no file; audited)',
      tag: 'exports',
      auth: 'actor',
      params: study,
      query: z.object({ limit: z.string().max(4).optional() }),
      ...parsedByService(exportRequestSchema),
      response: exportPreviewAnswer,
    },
    ({ actor, params, query, body }) => exports.preview(actor, params.study, body, query.limit),
  );
}
