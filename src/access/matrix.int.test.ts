import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../../test/support/access.js';
import { enrollWithDemographics, PERSON, seedStudy } from '../../test/support/fixtures.js';
import { DIALECTS, freshVault, type TestVault } from '../../test/support/stores.js';
import { openVault, type Vault } from '../app/vault.js';
import { ACTIONS, type Action, ROLE_DEFINITIONS, ROLES, type Role } from '../authz/roles.js';
import { BackupService } from '../backup/service.js';
import { type Actor, CLI_ACTOR } from '../core/actor.js';
import type { Result } from '../core/result.js';
import { expectOk } from '../core/result.js';

const RESOURCES = ['own site', 'other site', 'other study', 'locked record', 'erased participant'] as const;
type Resource = (typeof RESOURCES)[number];
type Outcome = 'allowed' | 'forbidden' | 'not-found' | 'locked' | 'erased';

/** Roles granted at one site; the others hold study-wide grants. */
const SITE_SCOPED: ReadonlySet<Role> = new Set(['coordinator', 'monitor']);
const SYSTEM_ACTIONS: ReadonlySet<Action> = new Set([
  'study.create',
  'user.manage',
  'backup.status',
  'ledger.verify',
  'keys.rotate',
  'backup.run',
  'demo.seed',
]);

/**
 * The expected answer, from the role table (src/authz/roles.ts) and the fixed rules: resources outside
 * the actor's studies or sites are not found; a visible resource without the action is forbidden;
 * writes to a locked record or an erased participant are refused with their own codes.
 */
function expected(role: Role, action: Action, resource: Resource): Outcome {
  const def = ROLE_DEFINITIONS[role];
  // Those who set a study up read it (its title, status and sites; no data) to do so.
  const has =
    def.actions.includes(action) || (action === 'study.read' && def.actions.includes('study.setup'));
  if (SYSTEM_ACTIONS.has(action)) return has ? 'allowed' : 'forbidden';
  // An event outside every study (the store's first) does not exist for those who may not read it.
  if (action === 'ledger.read') return has ? 'allowed' : 'not-found';
  if (def.system === true) return has ? 'allowed' : 'not-found';
  if (resource === 'other study') return 'not-found';
  if (
    resource === 'other site' &&
    SITE_SCOPED.has(role) &&
    ![
      'study.read',
      'study.manage',
      'study.setup',
      'form.manage',
      'grant.manage',
      'token.manage',
      'participant.lookup',
      'import.run',
      'breakglass.review',
      'export.run',
      'export.identified',
      'export.approve',
      'export.recipients',
    ].includes(action)
  ) {
    return 'not-found';
  }
  if (!has) return 'forbidden';
  if (resource === 'locked record' && action === 'record.write') return 'locked';
  if (
    resource === 'erased participant' &&
    ['record.write', 'participant.status', 'participant.erase', 'device.manage', 'telemetry.read'].includes(
      action,
    )
  )
    return 'erased';
  return 'allowed';
}

function outcome(result: Result<unknown>): Outcome {
  if (result.ok) return 'allowed';
  switch (result.error.code) {
    case 'NOT_FOUND':
      return 'not-found';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'RECORD_LOCKED':
      return 'locked';
    case 'PARTICIPANT_ERASED':
      return 'erased';
    default:
      return 'allowed';
  }
}

interface Target {
  studyId: string;
  siteCode: string;
  participantId: string;
  recordId: string;
  mrn: string;
}

async function fixture(vault: Vault, dir: string) {
  const a = await seedStudy(vault, 'MATRIX-A');
  const b = await seedStudy(vault, 'MATRIX-B');
  const make = async (studyId: string, site: string, mrn: string): Promise<Target> => {
    const { participant } = await enrollWithDemographics(vault, studyId, site, { ...PERSON, MRN: mrn });
    const vitals = expectOk(
      await vault.records.create(CLI_ACTOR, {
        participantId: participant.id,
        form: 'VITALS',
        visit: 'BASELINE',
        values: { SYSBP: 120, DIABP: 80 },
      }),
    );
    return { studyId, siteCode: site, participantId: participant.id, recordId: vitals.id, mrn };
  };
  const targets: Record<Resource, Target> = {
    'own site': await make(a.id, 'S01', 'MRN-1000-AA'),
    'other site': await make(a.id, 'S02', 'MRN-2000-BB'),
    'other study': await make(b.id, 'S01', 'MRN-3000-CC'),
    'locked record': await make(a.id, 'S01', 'MRN-4000-DD'),
    'erased participant': await make(a.id, 'S01', 'MRN-5000-EE'),
  };
  expectOk(await vault.records.lock(CLI_ACTOR, targets['locked record'].recordId));
  expectOk(
    await vault.participants.erase(
      CLI_ACTOR,
      targets['erased participant'].participantId,
      'Erasure for the matrix',
    ),
  );
  const { email: someone } = await userWithRole(vault, 'statistician', a.id);
  const emptyImport = join(dir, 'empty.jsonl');
  writeFileSync(emptyImport, '');
  const actors = new Map<Role, Actor>();
  for (const role of ROLES) {
    actors.set(
      role,
      (await userWithRole(vault, role, a.id, SITE_SCOPED.has(role) ? 'S01' : undefined)).actor,
    );
  }
  return { targets, actors, someone, emptyImport, keyDir: '' };
}

/** Calls the service for an action on a resource, as the actor. */
async function perform(
  vault: Vault,
  actor: Actor,
  action: Action,
  t: Target,
  ctx: { someone: string; emptyImport: string; keyDir: string },
  n: number,
): Promise<Result<unknown>> {
  const unique = `${n}`.padStart(4, '0');
  switch (action) {
    case 'study.create':
      return vault.studies.createStudy(actor, { protocolId: `NEW-${unique}`, title: 'New' });
    case 'study.read':
      return vault.studies.getStudy(actor, t.studyId);
    case 'study.manage':
      return vault.series.setPolicy(actor, t.studyId, {
        overrides: { heart_rate: { min: 40, max: 150 } },
        reason: 'Protocol',
      });
    case 'study.setup':
      return vault.studies.addSite(actor, t.studyId, { code: `X${unique}`, name: 'New site' });
    case 'form.manage':
      return vault.forms.defineForm(actor, t.studyId, {
        oid: `F${unique}`,
        name: 'Form',
        fields: [{ oid: 'X', label: 'X', type: 'integer', class: 'clinical' }],
      });
    case 'user.manage':
      return vault.users.list(actor);
    case 'grant.manage':
      return vault.users.grant(actor, { email: ctx.someone, role: 'monitor', study: t.studyId });
    case 'token.manage':
      return vault.tokens.list(actor, t.studyId);
    case 'participant.read':
      return vault.participants.get(actor, t.participantId);
    case 'participant.create':
      return vault.participants.enroll(actor, t.studyId, { site: t.siteCode });
    case 'participant.lookup':
      return vault.participants.lookup(actor, t.studyId, 'mrn', t.mrn);
    case 'participant.status':
      return vault.participants.setStatus(actor, t.participantId, 'enrolled', 'Status review');
    case 'participant.erase': {
      // Erasure destroys its target: a fresh participant where the resource is (the erased one stays).
      const id =
        t.mrn === 'MRN-5000-EE'
          ? t.participantId
          : expectOk(await vault.participants.enroll(CLI_ACTOR, t.studyId, { site: t.siteCode })).id;
      return vault.participants.erase(actor, id, 'Erasure requested');
    }
    case 'record.read':
      return vault.records.read(actor, t.recordId);
    case 'record.write':
      return vault.records.update(actor, t.recordId, {
        changes: { SYSBP: 100 + (n % 150) },
        reason: 'Correction',
      });
    case 'record.lock':
      return vault.records.lock(actor, t.recordId);
    case 'record.unlock':
      return vault.records.unlock(actor, t.recordId, 'Reopened for a query');
    case 'record.sign':
      return vault.signatures.sign(actor, t.recordId, { meaning: 'reviewed', password: 'wrong password' });
    case 'audit.read':
      return vault.audit.forRecord(actor, t.recordId);
    case 'import.run':
      return vault.imports.importFile(actor, t.studyId, ctx.emptyImport, 'Import test');
    case 'breakglass.review':
      return vault.breakGlass.list(actor, t.studyId);
    case 'device.manage':
      return vault.devices.register(actor, t.participantId, {
        model: 'Watch',
        serial: `SN-${unique}`,
        firmware: '1.0',
        metrics: ['heart_rate'],
      });
    case 'backup.status':
      return vault.backupStatus.status(actor);
    case 'telemetry.read':
      return vault.series.series(actor, t.participantId, { metric: 'heart_rate' });
    case 'ledger.read':
      return vault.ledgerAccess.event(actor, 0);
    case 'ledger.verify':
      return vault.ledgerAccess.verify(actor);
    case 'keys.rotate':
      return vault.keys.rotateStudy(actor, t.studyId);
    case 'backup.run':
      return new BackupService(vault, { keyDir: ctx.keyDir, passphrase: undefined }, openVault).create(actor);
    case 'demo.seed':
      return vault.demo.seed(actor);
    case 'export.run':
      return vault.exports.list(actor, t.studyId);
    case 'export.identified':
      return vault.exports.dualControl.request(actor, t.studyId, {
        recipient: 'Sponsor',
        purpose: 'Matrix',
        password: 'wrong password',
      });
    case 'export.approve':
      return vault.exports.dualControl.pending(actor, t.studyId);
    case 'export.recipients':
      return vault.exports.recipients.list(actor, t.studyId);
  }
}

for (const dialect of DIALECTS) {
  describe(`authorization matrix (${dialect})`, () => {
    let t: TestVault;
    let f: Awaited<ReturnType<typeof fixture>>;
    beforeAll(async () => {
      t = await freshVault(dialect);
      f = { ...(await fixture(t.vault, t.dir)), keyDir: t.keyDir };
    });
    afterAll(async () => t.cleanup());

    it('ASVS 8.2.1, 8.2.2: every role x every service action x every resource answers as the role table says', async () => {
      const mismatches: string[] = [];
      let n = 0;
      for (const role of ROLES) {
        const actor = f.actors.get(role) as Actor;
        for (const action of ACTIONS) {
          for (const resource of RESOURCES) {
            const got = outcome(await perform(t.vault, actor, action, f.targets[resource], f, n++));
            // Keep the locked record locked for the next role (an allowed unlock reopens it).
            if (resource === 'locked record')
              await t.vault.records.lock(CLI_ACTOR, f.targets[resource].recordId);
            const want = expected(role, action, resource);
            if (got !== want)
              mismatches.push(`${role} ${action} on ${resource}: expected ${want}, got ${got}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(n).toBe(ROLES.length * ACTIONS.length * RESOURCES.length);
    });

    it('every denial is an audit event (21 CFR 11.10(d))', async () => {
      const denied = await t.vault.store.db
        .selectFrom('audit_events')
        .select('seq')
        .where('action', '=', 'access.denied')
        .execute();
      expect(denied.length).toBeGreaterThan(100);
    });
  });
}
