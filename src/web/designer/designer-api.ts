import type { FormDefinition, FormListing, FormVersion } from '../../forms/forms-view.js';
import type { Page } from '../../http/pagination.js';
import { api } from '../api.js';

/** The form routes the designer calls (docs/forms.md); one place, so the page holds no URLs. */
const forms = (study: string) => `/api/v1/studies/${encodeURIComponent(study)}/forms`;

export const designerApi = {
  list: (study: string) => api<Page<FormListing>>('GET', `${forms(study)}?limit=200`),
  versions: async (study: string, oid: string): Promise<FormVersion[]> =>
    (await api<Page<FormVersion>>('GET', `${forms(study)}/${encodeURIComponent(oid)}/versions?limit=200`))
      .items,
  /** Saves the draft: a new draft version when the latest is live, else the draft itself. */
  save: (study: string, definition: FormDefinition) => api<FormVersion>('POST', forms(study), definition),
  publish: (study: string, oid: string, reason: string) =>
    api<FormVersion>('POST', `${forms(study)}/${encodeURIComponent(oid)}/publish`, { reason }),
};
