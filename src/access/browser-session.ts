import type { Result } from '../core/result.js';
import { ok } from '../core/result.js';
import type { VaultDeps } from '../vault/deps.js';
import type { BrowserSession } from './access-view.js';
import type { AccessConfig, SessionService } from './session-service.js';

/**
 * What the web app needs to keep a person's work (issue #15 item 7): when the session will end (to
 * warn before the idle timeout, HIPAA 164.312(a)(2)(iii)) and the key its unsaved entry is kept under
 * in the browser, encrypted (AES-GCM), so a draft left in local storage is unreadable without signing in
 * again as the same person. Only for a signed-in session (cookie), never for an API token.
 */
export async function browserSession(
  deps: Pick<VaultDeps, 'keyring'>,
  config: AccessConfig,
  sessions: Pick<SessionService, 'session'>,
  token: string,
): Promise<Result<BrowserSession>> {
  const found = await sessions.session(token, ['active']);
  if (!found.ok) return found;
  const { row } = found.value;
  return ok({
    idleMinutes: config.idleMinutes,
    expiresAt: row.expires_at,
    draftKey: deps.keyring.entryDraftKey(row.user_id).toString('base64url'),
  });
}
