import type { BrowserSession } from '../../access/access-view.js';
import { api } from '../api.js';

/**
 * Unsaved entry kept in this browser (issue #15 item 7), encrypted with AES-256-GCM under the key the
 * server derives for the signed-in user (GET /api/v1/auth/session): it survives a reload, a crash or a
 * session timeout, and is unreadable to anyone who cannot sign in as that user (the key is never
 * stored here). The storage key names only opaque ids, never a value (ASVS 14.3.3).
 */
const PREFIX = 'tv-draft:';
let session: Promise<{ key: CryptoKey; facts: BrowserSession }> | undefined;

const bytes = (b64url: string): Uint8Array<ArrayBuffer> => {
  const text = atob(b64url.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
};
const b64 = (data: Uint8Array): string => btoa(String.fromCharCode(...data));

/** The session's facts and draft key, fetched once per page (and again after a new sign-in). */
export function browserSession(): Promise<{ key: CryptoKey; facts: BrowserSession }> {
  session ??= api<BrowserSession>('GET', '/api/v1/auth/session').then(async (facts) => ({
    facts,
    key: await crypto.subtle.importKey('raw', bytes(facts.draftKey), 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]),
  }));
  session.catch(() => {
    session = undefined;
  });
  return session;
}

export function forgetBrowserSession(): void {
  session = undefined;
}

export interface StoredDraft {
  readonly values: Record<string, string>;
  readonly savedAt: string;
}

const aad = (scope: string) => new TextEncoder().encode(`trialvault/entry-draft/${scope}`);

export async function saveDraft(scope: string, values: Record<string, string>): Promise<void> {
  const { key } = await browserSession();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify({ values, savedAt: new Date().toISOString() }));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(scope) }, key, plain),
  );
  localStorage.setItem(PREFIX + scope, `${b64(iv)}.${b64(sealed)}`);
}

/** The draft kept for this form, or null (none, or sealed for someone else: left alone). */
export async function loadDraft(scope: string): Promise<StoredDraft | null> {
  const stored = localStorage.getItem(PREFIX + scope);
  if (stored === null) return null;
  const [iv, sealed] = stored.split('.');
  if (iv === undefined || sealed === undefined) return null;
  try {
    const { key } = await browserSession();
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes(iv), additionalData: aad(scope) },
      key,
      bytes(sealed),
    );
    return JSON.parse(new TextDecoder().decode(plain)) as StoredDraft;
  } catch {
    return null;
  }
}

export function clearDraft(scope: string): void {
  localStorage.removeItem(PREFIX + scope);
}
