import { z } from 'zod';
import { ok } from '../core/result.js';
import type { Route } from '../http/api-registry.js';
import { paged, pageQuery } from '../http/pagination.js';
import {
  devicePage,
  deviceView,
  enrollmentAnswer,
  enrollmentBody,
  policyAnswer,
  policyBody,
  registrationAnswer,
  registrationBody,
  serialAnswer,
  seriesAnswer,
  statusBody,
  UPLOAD_BODY_SCHEMA,
  uploadReceipt,
  uploadRefusal,
} from './device-schemas.js';
import type { DeviceService } from './device-service.js';
import { type SeriesService, seriesQuery } from './series-service.js';
import type { TelemetryService } from './telemetry-service.js';

/** What the device and telemetry routes call. */
export interface DeviceRouteServices {
  readonly devices: DeviceService;
  readonly telemetry: TelemetryService;
  readonly series: SeriesService;
}

const id = z.object({ id: z.string().min(1).max(64) });
const study = z.object({ study: z.string().min(1).max(64) });

export function registerDeviceRoutes(
  route: Route,
  { devices, telemetry, series }: DeviceRouteServices,
): void {
  route(
    {
      method: 'POST',
      url: '/api/v1/participants/:id/devices',
      summary: 'Register a wearable for a participant; answers a one-time enrollment code (24 h)',
      tag: 'devices',
      auth: 'actor',
      params: id,
      body: registrationBody,
      response: registrationAnswer,
      status: 201,
    },
    ({ actor, params, body }) => devices.register(actor, params.id, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/devices',
      summary: "A participant's devices: status, last upload, flags",
      tag: 'devices',
      auth: 'actor',
      params: id,
      query: pageQuery,
      response: devicePage,
    },
    ({ actor, params, query }) => paged(devices.list(actor, params.id), query),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/devices/enroll',
      summary: 'The device presents its one-time code and public key; answers its id and binding',
      tag: 'devices',
      auth: 'public',
      rateLimit: 'device-enroll',
      body: enrollmentBody,
      response: enrollmentAnswer,
    },
    ({ body }) => devices.enroll(body),
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/devices/:id/status',
      summary: 'Suspend, resume or revoke a device (with a reason)',
      tag: 'devices',
      auth: 'actor',
      params: id,
      body: statusBody,
      response: deviceView,
    },
    ({ actor, params, body }) => devices.setStatus(actor, params.id, body),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/devices/:id/serial',
      summary: "A device's serial number (a HIPAA identifier: reveal, audited)",
      tag: 'devices',
      auth: 'actor',
      params: id,
      response: serialAnswer,
    },
    async ({ actor, params }) => {
      const serial = await devices.serial(actor, params.id);
      return serial.ok ? ok({ serial: serial.value }) : serial;
    },
  );
  route(
    {
      method: 'POST',
      url: '/api/v1/telemetry',
      summary: 'A signed device upload (COSE_Sign1, application/cose) for the named study and participant',
      tag: 'telemetry',
      auth: 'public',
      query: z.object({ study: z.string().min(1).max(64), participant: z.string().min(1).max(64) }),
      body: z.custom<Buffer>((v) => Buffer.isBuffer(v), 'the body must be application/cose bytes'),
      bodyType: 'application/cose',
      bodyDocument: UPLOAD_BODY_SCHEMA,
      response: uploadReceipt,
      errors: {
        422: { description: 'TELEMETRY_REFUSED: the reason code (docs/telemetry.md)', schema: uploadRefusal },
      },
      status: 202,
    },
    ({ query, body }) => telemetry.ingest(body, { studyId: query.study, participantId: query.participant }),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/participants/:id/telemetry',
      summary: 'One metric as a time series (downsampled for charts), quarantined samples with their flags',
      tag: 'telemetry',
      auth: 'actor',
      params: id,
      query: seriesQuery,
      response: seriesAnswer,
    },
    ({ actor, params, query }) => series.series(actor, params.id, query),
  );
  route(
    {
      method: 'GET',
      url: '/api/v1/studies/:study/telemetry-policy',
      summary: "The study's plausibility limits per metric",
      tag: 'telemetry',
      auth: 'actor',
      params: study,
      response: policyAnswer,
    },
    ({ actor, params }) => series.policy(actor, params.study),
  );
  route(
    {
      method: 'PUT',
      url: '/api/v1/studies/:study/telemetry-policy',
      summary: "Override the study's plausibility limits (with a reason)",
      tag: 'telemetry',
      auth: 'actor',
      params: study,
      body: policyBody,
      response: policyAnswer,
    },
    ({ actor, params, body }) => series.setPolicy(actor, params.study, body),
  );
}
