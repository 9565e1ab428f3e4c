import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Vault } from '../../src/app/vault.js';
import { CLI_ACTOR } from '../../src/core/actor.js';
import { expectOk } from '../../src/core/result.js';
import { DEMO_PROTOCOL } from '../../src/demo/service.js';
import { exportSecret } from '../../src/export/keyed.js';
import { pseudonym } from '../../src/export/pseudonym.js';
import { exportSettings } from '../../src/export/settings.js';

export interface Seeded {
  readonly participantId: string;
  readonly subjectId: string;
  /** Every value of every form, opened (what the test knows was seeded). */
  readonly records: { form: string; visit: string; values: Record<string, unknown> }[];
}

/** The demo study with every seeded value opened, by participant. */
export async function seededDemo(vault: Vault): Promise<{ studyId: string; people: Seeded[] }> {
  const study = expectOk(await vault.studies.getStudy(CLI_ACTOR, DEMO_PROTOCOL));
  const people: Seeded[] = [];
  for (const p of expectOk(await vault.participants.list(CLI_ACTOR, study.id, { limit: 1000 }))) {
    const records = [];
    for (const r of expectOk(await vault.records.listForParticipant(CLI_ACTOR, p.id))) {
      const read = expectOk(await vault.records.read(CLI_ACTOR, r.id, { reveal: true }));
      records.push({ form: r.form, visit: r.visit, values: read.values as Record<string, unknown> });
    }
    people.push({ participantId: p.id, subjectId: p.subjectId, records });
  }
  return { studyId: study.id, people };
}

/** The pseudonym an export gave a participant (the test holds the key, as the server does). */
export async function pseudonymIn(vault: Vault, studyId: string, exportId: string, participantId: string) {
  const settings = expectOk(await exportSettings(vault.deps, CLI_ACTOR, studyId, new Date().toISOString()));
  return pseudonym(exportSecret(settings.key, exportId), participantId);
}

export function readExportFile(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}
