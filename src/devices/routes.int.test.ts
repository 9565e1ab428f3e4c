import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { heartRate } from '../../test/support/devices.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { CLI_ACTOR } from '../core/actor.js';
import { expectOk } from '../core/result.js';
import { buildApp } from '../server/app.js';
import { DeviceClient } from './device-client.js';
import {
  devicePage,
  enrollmentAnswer,
  registrationAnswer,
  seriesAnswer,
  uploadReceipt,
  uploadRefusal,
} from './device-schemas.js';

for (const dialect of DIALECTS) {
  describe(`telemetry over HTTP (${dialect})`, () => {
    let t: TestVault;
    let app: FastifyInstance;
    let f: { studyId: string; own: string; other: string; bearer: string };
    beforeAll(async () => {
      t = await freshVault(dialect);
      app = await buildApp({ vault: t.vault, authPerMinute: 1000 });
      const study = await seedStudy(t.vault);
      const own = await enrollWithDemographics(t.vault, study.id, 'S01');
      const other = await enrollWithDemographics(t.vault, study.id, 'S02', { ...PERSON, MRN: 'MRN-9999-QQ' });
      const { email } = await userWithRole(t.vault, 'coordinator', study.id, 'S01');
      const { token } = expectOk(
        await t.vault.tokens.create(CLI_ACTOR, {
          email,
          study: study.id,
          scopes: ['device.manage', 'telemetry.read'],
        }),
      );
      f = {
        studyId: study.id,
        own: own.participant.id,
        other: other.participant.id,
        bearer: `Bearer ${token}`,
      };
    });
    afterAll(async () => {
      await app.close();
      await t.cleanup();
    });

    it('register, enroll, upload (202), the same bytes again (422 REPLAY), then the series', async () => {
      const auth = { authorization: f.bearer };
      const registered = await app.inject({
        method: 'POST',
        url: `/api/v1/participants/${f.own}/devices`,
        headers: auth,
        payload: { model: 'Watch', serial: 'SN-77', firmware: '3.2', metrics: ['heart_rate'] },
      });
      expect(registered.statusCode).toBe(201);
      // Every answer is what the OpenAPI document says it is (the schemas are strict: no extra fields).
      const { enrollmentCode, device } = registrationAnswer.parse(registered.json());
      expect(device.serial).toBeUndefined();
      const key = DeviceClient.generateKey('EdDSA');
      const enrolled = await app.inject({
        method: 'POST',
        url: '/api/v1/devices/enroll',
        payload: { code: enrollmentCode, alg: 'EdDSA', publicKey: DeviceClient.publicKey('EdDSA', key) },
      });
      expect(enrolled.statusCode).toBe(200);
      const client = new DeviceClient({
        ...enrollmentAnswer.parse(enrolled.json()),
        alg: 'EdDSA',
        privateKey: key,
      });
      const bytes = client.upload(heartRate(Date.now(), 30), Date.now());
      const url = `/api/v1/telemetry?study=${f.studyId}&participant=${f.own}`;
      const upload = () =>
        app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/cose' },
          payload: Buffer.from(bytes),
        });
      const first = await upload();
      expect(first.statusCode).toBe(202);
      expect(uploadReceipt.parse(first.json())).toMatchObject({ samples: 30, quarantined: 0, flags: [] });
      const replay = await upload();
      expect(replay.statusCode).toBe(422);
      expect(uploadRefusal.parse(replay.json()).error).toMatchObject({
        code: 'TELEMETRY_REFUSED',
        details: { reason: 'REPLAY' },
      });
      const series = await app.inject({
        method: 'GET',
        url: `/api/v1/participants/${f.own}/telemetry?metric=heart_rate`,
        headers: auth,
      });
      expect(series.statusCode).toBe(200);
      expect(seriesAnswer.parse(series.json()).points).toHaveLength(30);
      const devices = await app.inject({
        method: 'GET',
        url: `/api/v1/participants/${f.own}/devices`,
        headers: auth,
      });
      expect(devicePage.parse(devices.json()).items[0]).toMatchObject({
        status: 'active',
        uploadsAccepted: 1,
        uploadsRefused: 1,
      });
    });

    it("ASVS 8.2.2: another site's participant's devices and telemetry answer 404; bad input is 4xx", async () => {
      const auth = { authorization: f.bearer };
      for (const url of [
        `/api/v1/participants/${f.other}/devices`,
        `/api/v1/participants/${f.other}/telemetry?metric=spo2`,
      ]) {
        expect((await app.inject({ method: 'GET', url, headers: auth })).statusCode, url).toBe(404);
      }
      const register = await app.inject({
        method: 'POST',
        url: `/api/v1/participants/${f.other}/devices`,
        headers: auth,
        payload: { model: 'W', serial: 'S', firmware: '1', metrics: ['spo2'] },
      });
      expect(register.statusCode).toBe(404);
      const bad = await app.inject({
        method: 'GET',
        url: `/api/v1/participants/${f.own}/telemetry?metric=blood_alcohol`,
        headers: auth,
      });
      expect(bad.statusCode).toBe(400);
      const json = await app.inject({
        method: 'POST',
        url: `/api/v1/telemetry?study=${f.studyId}&participant=${f.own}`,
        payload: { not: 'cose' },
      });
      expect(json.statusCode).toBe(400);
      const garbage = await app.inject({
        method: 'POST',
        url: `/api/v1/telemetry?study=${f.studyId}&participant=${f.own}`,
        headers: { 'content-type': 'application/cose' },
        payload: Buffer.from([0x1c, 0x00]), // a reserved head: not CBOR
      });
      expect(garbage.statusCode).toBe(422);
      expect(garbage.json().error.details.reason).toBe('CBOR_INVALID');
    });

    it('ASVS 2.1.1: the OpenAPI document gives the request and answer schema of every device and telemetry route', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
        paths: Record<string, Record<string, Operation>>;
      };
      const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, op]) => op.tags.some((t) => t === 'devices' || t === 'telemetry'))
          .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, op })),
      );
      expect(ops.length).toBeGreaterThanOrEqual(9);
      const described = (schema: unknown) =>
        typeof schema === 'object' && schema !== null && Object.keys(schema).some((k) => k !== '$schema');
      for (const { name, method, op } of ops) {
        if (method === 'post' || method === 'put') {
          const content = op.requestBody?.content ?? {};
          const [type, body] = Object.entries(content)[0] ?? [];
          expect(type, `${name}: a request body`).toBeDefined();
          expect(described(body?.schema), `${name}: a request schema`).toBe(true);
          if (type === 'application/cose')
            expect(body?.schema).toMatchObject({ type: 'string', format: 'binary', contentMediaType: type });
          else expect((body?.schema as { type?: string } | undefined)?.type, name).toBe('object');
        }
        const success = Object.entries(op.responses).find(([status]) => /^2\d\d$/.test(status));
        expect(success, `${name}: a success answer`).toBeDefined();
        expect(
          described(success?.[1].content?.['application/json']?.schema),
          `${name}: an answer schema`,
        ).toBe(true);
      }
      // The upload's refusal names its reasons: a device implementer sees them in the document.
      const upload = doc.paths['/api/v1/telemetry']?.post;
      expect(JSON.stringify(upload?.responses['422'])).toContain('SIGNATURE_MALLEABLE');
    });
  });
}

interface Operation {
  tags: string[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
