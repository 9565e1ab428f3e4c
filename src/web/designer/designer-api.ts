import type { FormDefinition, FormListing, FormVersion, FormVersionSummary } from '../../forms/forms-view.js';
import type { Page } from '../../http/pagination.js';
import { api } from '../api.js';

/** The form routes the designer calls (docs/forms.md); one place, so the page holds no URLs. */
const forms = (study: string) => `/api/v1/studies/${encodeURIComponent(study)}/forms`;
const form = (study: string, oid: string) => `${forms(study)}/${encodeURIComponent(oid)}`;

export const designerApi = {
  list: (study: string) => api<Page<FormListing>>('GET', `${forms(study)}?limit=200`),
  summaries: async (study: string, oid: string): Promise<FormVersionSummary[]> =>
    (await api<Page<FormVersionSummary>>('GET', `${form(study, oid)}/versions?limit=200`)).items,
  version: (study: string, oid: string, version: number) =>
    api<FormVersion>('GET', `${form(study, oid)}/versions/${version}`),
  /** A new form: its first draft. */
  create: (study: string, definition: FormDefinition) => api<FormVersion>('POST', forms(study), definition),
  /** Saves the draft: a new draft version when the latest is live, else the draft itself. */
  saveDraft: (study: string, oid: string, definition: FormDefinition) =>
    api<FormVersion>('PUT', `${form(study, oid)}/draft`, definition),
  publish: (study: string, oid: string, reason: string, confirmClinical: readonly string[] = []) =>
    api<FormVersion>('POST', `${form(study, oid)}/publish`, {
      reason,
      ...(confirmClinical.length === 0 ? {} : { confirmClinical }),
    }),
};

/** The newest version (what the designer edits) and the newest live one (what a diff compares to). */
export async function loadForDesign(
  study: string,
  oid: string,
): Promise<{ newest: FormVersion | undefined; live: FormVersion | undefined }> {
  const all = await designerApi.summaries(study, oid);
  const newest = [...all].sort((a, b) => b.version - a.version)[0];
  const live = all.filter((v) => v.status === 'live').sort((a, b) => b.version - a.version)[0];
  const newestVersion =
    newest === undefined ? undefined : await designerApi.version(study, oid, newest.version);
  const liveVersion =
    live === undefined
      ? undefined
      : live.version === newest?.version
        ? newestVersion
        : await designerApi.version(study, oid, live.version);
  return { newest: newestVersion, live: liveVersion };
}
