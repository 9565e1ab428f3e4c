import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { generate } from 'otplib';
import { initVault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import { listDemoAccounts, seedDemoAccounts } from '../src/demo/demo-accounts.js';
import { buildApp } from '../src/server/app.js';
import { benchPlace } from './places.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.TRIALVAULT_BENCH_HTTP_SECONDS ?? 8);

interface Figures {
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
}

async function load(options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * An authenticated record read and a record write (with reason) through the whole stack (session,
 * authorization, decryption-free read, audit), against a bare Fastify route returning the same JSON,
 * same process, same run, 50 connections on loopback.
 */
export async function benchHttp() {
  const place = await benchPlace('sqlite');
  const vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  const app = await buildApp({ vault, authPerMinute: 1_000_000 });
  const bare = Fastify({ logger: false });
  try {
    expectOk(await vault.demo.seed(CLI_ACTOR, 1));
    expectOk(await seedDemoAccounts(vault));
    const coordinator = (await listDemoAccounts(vault)).find((a) => a.role === 'coordinator');
    if (coordinator === undefined) throw new Error('no demo coordinator');
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: coordinator.email, password: coordinator.password }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
    const totp = await fetch(`${base}/api/v1/auth/totp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ code: await generate({ secret: coordinator.totpSecret }) }),
    });
    if (!totp.ok) throw new Error('TOTP sign-in failed');
    const site = (
      await vault.store.db
        .selectFrom('sites')
        .select('id')
        .where('code', '=', 'S01')
        .executeTakeFirstOrThrow()
    ).id;
    const records = await vault.store.db
      .selectFrom('records')
      .innerJoin('participants', 'participants.id', 'records.participant_id')
      .innerJoin('forms', 'forms.id', 'records.form_id')
      .select('records.id')
      .where('participants.site_id', '=', site)
      .where('forms.oid', '=', 'VITALS')
      .where('records.locked', '=', 0)
      .limit(20)
      .execute();
    const readUrl = `${base}/api/v1/records/${records[0]?.id}`;
    const sample = await (await fetch(readUrl, { headers: { cookie } })).text();
    bare.get('/bare', async (_request, reply) => reply.type('application/json').send(sample));
    const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });

    const started = performance.now();
    const bareRead = await load({ url: `${bareBase}/bare` });
    const read = await load({ url: readUrl, headers: { cookie } });
    let n = 0;
    const write = await load({
      url: base,
      requests: [
        {
          method: 'PUT',
          setupRequest: (request) => {
            n++;
            return {
              ...request,
              path: `/api/v1/records/${records[n % records.length]?.id}`,
              headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
              body: JSON.stringify({ changes: { HR: 40 + (n % 150) }, reason: 'Benchmark correction' }),
            };
          },
        },
      ],
    });
    return {
      bench: 'http',
      description: `autocannon, ${CONNECTIONS} connections, ${SECONDS} s each, loopback; read = authenticated GET of a record (session, authorization, masking); write = PUT with a reason (new version, audit event, commit)`,
      bareRoute: bareRead,
      recordRead: {
        ...read,
        ratioToBare: Number((read.requestsPerSecond / bareRead.requestsPerSecond).toFixed(3)),
      },
      recordWrite: write,
      targets: { readRatioToBare: 0.4, p99ms: 50 },
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
  } finally {
    await bare.close();
    await app.close();
    await vault.close();
    await place.cleanup();
  }
}
