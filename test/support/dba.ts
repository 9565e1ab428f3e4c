import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { initVault, openVault, type Vault } from '../../src/app/vault.js';
import type { Role } from '../../src/authz/roles.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { expectOk } from '../../src/core/result.js';
import type { Finding } from '../../src/ledger/verify.js';
import { buildApp } from '../../src/server/app.js';
import type { Dialect } from '../../src/storage/dialect.js';
import { TEST_PASSWORD, userWithRole } from './access.js';
import type { Answer } from './adversary.js';
import { TestClock } from './clock.js';
import { type RawDb, rawDb } from './dba-sql.js';
import { enrollWithDemographics, seedStudy } from './fixtures.js';
import { codeAt, cookiesOf } from './http-auth.js';
import { freshPlace, type TestPlace } from './stores.js';

/**
 * The database administrator's seat (issue #17): a store populated through the services, STOPPED
 * (the vault closed), changed with raw SQL only (no key: better-sqlite3 or pg directly), then opened
 * again as `trialvault serve` opens it (openVault + buildApp) and attacked over HTTP with real roles.
 */

/** The typed error of a row whose seal fails (src/core/errors.ts, docs/errors.md). */
export const TAMPERED: ErrorCode = 'ROW_TAMPERED';

export interface Person {
  readonly email: string;
  readonly userId: string;
  readonly role: Role;
  readonly secret: string;
}

/** A signed-in browser: the cookie header and CSRF token, valid against whichever server runs. */
export interface Browser {
  readonly headers: { cookie: string; 'x-csrf-token': string };
}

export class DbaStore {
  vault: Vault;
  app: FastifyInstance;
  /** The last event and the alerts before the store was stopped: what came after is the server's answer. */
  #seqAtStop = 0;
  #alertsAtStop = new Set<string>();

  private constructor(
    readonly dialect: Dialect,
    readonly place: TestPlace,
    readonly clock: TestClock,
    readonly study: { id: string; protocolId: string },
    vault: Vault,
    app: FastifyInstance,
  ) {
    this.vault = vault;
    this.app = app;
  }

  /** A fresh store with a seeded study (sites S01, S02, every demo form published), served. */
  static async create(dialect: Dialect): Promise<DbaStore> {
    const clock = new TestClock();
    const place = await freshPlace(dialect);
    const vault = expectOk(
      await initVault(place.location, { keyDir: place.keyDir, passphrase: undefined }, CLI_ACTOR, { clock }),
    );
    const study = await seedStudy(vault);
    const app = await buildApp({ vault, authPerMinute: 10_000 });
    return new DbaStore(dialect, place, clock, { id: study.id, protocolId: study.protocolId }, vault, app);
  }

  /** A user with one role (at a site for site roles) and TOTP enrolled, as the web app does it. */
  async person(role: Role, site?: string): Promise<Person> {
    const { email, user } = await userWithRole(this.vault, role, this.study.id, site);
    const first = expectOk(await this.vault.auth.login(email, TEST_PASSWORD));
    const { secret } = expectOk(await this.vault.factors.beginTotp(first.token, { password: TEST_PASSWORD }));
    this.clock.advance(1);
    expectOk(await this.vault.factors.confirmTotp(first.token, await codeAt(secret, this.clock)));
    return { email, userId: user.id, role, secret };
  }

  /** A participant at a site with demographics and a randomization (ARM, KIT) record. */
  async participant(site = 'S01') {
    const { participant, record } = await enrollWithDemographics(this.vault, this.study.id, site);
    const rand = expectOk(
      await this.vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'RAND',
        visit: 'BASELINE',
        values: { ARM: 'A', KIT: 'K12345', RAND_DATE: '2026-09-02' },
      }),
    );
    return { id: participant.id, demog: record.id, rand: rand.id };
  }

  async siteId(code: string): Promise<string> {
    const row = await this.vault.store.db
      .selectFrom('sites')
      .select('id')
      .where('study_id', '=', this.study.id)
      .where('code', '=', code)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Password then second factor over HTTP: the browser, or the first refusal. `code` is a recovery
   * code; by default the TOTP code of the current time step.
   */
  async signIn(
    who: { email: string; secret?: string },
    options: { password?: string; code?: string } = {},
  ): Promise<{ browser?: Browser; refusal?: Answer }> {
    const login = await this.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: who.email, password: options.password ?? TEST_PASSWORD },
    });
    if (login.statusCode !== 200) return { refusal: answerOf(login) };
    const pre = cookiesOf(login.headers['set-cookie']);
    // Signed in, or asked to enrol a second factor of the attacker's own: either way, the account.
    const state = (login.json() as { state?: string }).state;
    if (state === 'active' || state === 'enroll') return { browser: browserOf(pre) };
    this.clock.advance(1); // a later time step: each code is accepted once
    const code = options.code ?? (await codeAt(who.secret ?? '', this.clock));
    const totp = await this.app.inject({
      method: 'POST',
      url: '/api/v1/auth/totp',
      headers: browserOf(pre).headers,
      payload: { code },
    });
    if (totp.statusCode !== 200) return { refusal: answerOf(totp) };
    return { browser: browserOf(cookiesOf(totp.headers['set-cookie'])) };
  }

  /** The password step alone over HTTP: its status and error code (review s13 tests). */
  async loginAnswer(email: string, password: string): Promise<{ status: number; code: string | undefined }> {
    const answer = await this.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    return { status: answer.statusCode, code: (answer.json() as { error?: { code?: string } }).error?.code };
  }

  /** Signs in and fails the test if refused. */
  async browser(who: Person): Promise<Browser> {
    const { browser, refusal } = await this.signIn(who);
    if (browser === undefined) throw new Error(`sign-in refused: ${JSON.stringify(refusal?.body)}`);
    return browser;
  }

  /** Signs in over HTTP and makes one call: its answer, or the sign-in's refusal. */
  async as(who: Person, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<Answer> {
    const { browser, refusal } = await this.signIn(who);
    if (browser === undefined) return refusal as Answer;
    return this.call(browser, method, url, payload);
  }

  async call(
    browser: Browser,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<Answer> {
    return answerOf(
      await this.app.inject({
        method,
        url,
        headers: browser.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
    );
  }

  async bearer(token: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Answer> {
    return answerOf(
      await this.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
    );
  }

  /** Stops the server and closes the store, as an operator stopping the service would. */
  async stop(): Promise<void> {
    const db = this.vault.store.db;
    const last = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    this.#seqAtStop = Number(last?.seq ?? 0);
    this.#alertsAtStop = new Set((await db.selectFrom('alerts').select('id').execute()).map((a) => a.id));
    await this.app.close();
    await this.vault.close();
  }

  /** Raw SQL on the stopped store: no key, foreign keys off, as a database administrator has it. */
  async sql<T>(work: (db: RawDb) => Promise<T>): Promise<T> {
    const db = await rawDb(this.place.location);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  /** Opens the store again as `trialvault serve` does (openVault with the key directory) and serves it. */
  async start(): Promise<void> {
    this.clock.advance(1);
    this.vault = expectOk(
      await openVault(
        this.place.location,
        { keyDir: this.place.keyDir, passphrase: undefined },
        { clock: this.clock },
      ),
    );
    this.app = await buildApp({ vault: this.vault, authPerMinute: 10_000 });
  }

  /** stop, change in SQL, start: the whole database administrator's move. */
  async tamper(work: (db: RawDb) => Promise<void>): Promise<void> {
    await this.stop();
    await this.sql(work);
    await this.start();
  }

  /** The vault's own verify: its findings. */
  async findings(): Promise<readonly Finding[]> {
    const report = await this.vault.ledger.verify();
    expect(report.ok).toBe(report.findings.length === 0);
    return report.findings;
  }

  /** `verify` reports the change and names the table. */
  async expectFound(table: string): Promise<void> {
    const findings = await this.findings();
    expect(
      findings.map((f) => f.table),
      JSON.stringify(findings),
    ).toContain(table);
  }

  /**
   * Refused at once: the typed error, an audit event of the refusal (outcome not success) and an
   * alert for the system administrators, both naming the table (issue #17 Deliver 1).
   */
  async expectRefused(answer: Answer, table: string): Promise<void> {
    expect(answer.body?.error?.code, JSON.stringify(answer.body)).toBe(TAMPERED);
    const db = this.vault.store.db;
    const events = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', this.#seqAtStop)
      .where('outcome', '!=', 'success')
      .execute();
    const named = (text: string | null) => text?.includes(table) === true;
    expect(
      events.some((e) => named(e.details) || named(e.target)),
      `no refusal event names ${table}: ${JSON.stringify(events.map((e) => [e.action, e.target, e.details]))}`,
    ).toBe(true);
    const alerts = (await db.selectFrom('alerts').selectAll().execute()).filter(
      (a) => !this.#alertsAtStop.has(a.id),
    );
    expect(
      alerts.some((a) => named(a.kind) || named(a.details)),
      `no alert names ${table}: ${JSON.stringify(alerts.map((a) => [a.kind, a.details]))}`,
    ).toBe(true);
  }

  /** An alert raised since the store was stopped names `table` (kind or details). */
  async expectAlerted(table: string): Promise<void> {
    const alerts = (await this.vault.store.db.selectFrom('alerts').selectAll().execute()).filter(
      (a) => !this.#alertsAtStop.has(a.id),
    );
    expect(
      alerts.some((a) => a.kind.includes(table) || a.details.includes(table)),
      `no alert names ${table}: ${JSON.stringify(alerts.map((a) => [a.kind, a.details]))}`,
    ).toBe(true);
  }

  /** Runs one test on its own fresh store, closed afterwards. */
  static async with(dialect: Dialect, work: (s: DbaStore) => Promise<void>): Promise<void> {
    const s = await DbaStore.create(dialect);
    try {
      await work(s);
    } finally {
      await s.close();
    }
  }

  async close(): Promise<void> {
    await this.app.close().catch(() => {});
    await this.vault.close().catch(() => {});
    await this.place.cleanup();
  }
}

function browserOf(cookie: string): Browser {
  const csrf = /__Host-tv_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
  return { headers: { cookie, 'x-csrf-token': csrf } };
}

function answerOf(response: { statusCode: number; body: string; json(): unknown }): Answer {
  let body: unknown = null;
  if (response.body !== '') {
    try {
      body = response.json();
    } catch {
      body = response.body;
    }
  }
  return { status: response.statusCode, body };
}
