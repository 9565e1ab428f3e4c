import { performance } from 'node:perf_hooks';
import { initVault, type Vault } from '../src/app/vault.js';
import { CLI_ACTOR } from '../src/core/actor.js';
import { expectOk } from '../src/core/result.js';
import type { AuditEventInput } from '../src/ledger/audit-event.js';
import { appendAuditEvent, appendAuditEvents } from '../src/ledger/audit-repo.js';
import type { Dialect } from '../src/storage/dialect.js';
import { benchDialects, benchPlace } from './places.js';

const EVENTS = Number(process.env.TRIALVAULT_BENCH_LEDGER_EVENTS ?? 1_000_000);
const SINGLE = 2000;
const BATCH = 1000;
const PROOFS = 20_000;

const event = (i: number): AuditEventInput => ({
  actor: { kind: 'user', id: `user-${i % 50}`, mfa: true },
  action: 'participant.lookup',
  studyId: 'bench-study',
  details: { kind: 'mrn', matches: i % 2 },
});

const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000));

async function timedMs(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function benchDialect(dialect: Dialect) {
  const place = await benchPlace(dialect);
  const vault: Vault = expectOk(
    await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR),
  );
  const { db } = vault.store;
  try {
    const singleMs = await timedMs(async () => {
      for (let i = 0; i < SINGLE; i++)
        await db.transaction().execute((trx) => appendAuditEvent(trx, vault.deps, event(i)));
    });
    let appended = SINGLE;
    const batchedMs = await timedMs(async () => {
      while (appended < EVENTS) {
        const n = Math.min(BATCH, EVENTS - appended);
        const events = Array.from({ length: n }, (_, k) => event(appended + k));
        await db.transaction().execute((trx) => appendAuditEvents(trx, vault.deps, events));
        appended += n;
      }
    });
    const total = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const syncMs = await timedMs(async () => {
      expectOk(await vault.ledger.checkpoint());
    });
    let x = 12345;
    const proofMs = await timedMs(async () => {
      for (let i = 0; i < PROOFS; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        expectOk(await vault.ledger.inclusion(x % EVENTS, EVENTS));
      }
    });
    let report: Awaited<ReturnType<Vault['ledger']['verify']>> | undefined;
    const verifyMs = await timedMs(async () => {
      report = await vault.ledger.verify();
    });
    return {
      dialect,
      events: Number(total.n),
      appendsPerSecond: {
        single: perSecond(SINGLE, singleMs),
        batched: perSecond(EVENTS - SINGLE, batchedMs),
        batchSize: BATCH,
      },
      firstCheckpointSeconds: Number((syncMs / 1000).toFixed(2)),
      inclusionProofsPerSecond: perSecond(PROOFS, proofMs),
      verify: {
        seconds: Number((verifyMs / 1000).toFixed(2)),
        ok: report?.ok ?? false,
        events: report?.events ?? 0,
      },
    };
  } finally {
    await vault.close();
    await place.cleanup();
  }
}

/** Ledger appends (single and batched), inclusion proofs, and `verify` over a store of 1,000,000 events. */
export async function benchLedger() {
  const { dialects, skipped } = await benchDialects();
  const results = [];
  for (const dialect of dialects) results.push(await benchDialect(dialect));
  return {
    bench: 'ledger',
    description:
      'audit events appended with their leaf MAC (single: one transaction each; batched: 1,000 per transaction), inclusion proofs from the cached tree, and a full verify (every leaf, MAC, checkpoint, witness, record) of the store',
    targets: { batchedAppendsPerSecond: 50_000, verifySecondsFor1M: 10 },
    results,
    skipped,
  };
}
