import { useEffect, useState } from 'react';
import type { Me } from '../../access/access-view.js';
import { api, lastActivity } from '../api.js';
import { browserSession } from '../entry/draft-store.js';

const WARN_MS = 2 * 60_000;
// The server stamps activity at most once a minute (session-service.ts): count from a minute earlier.
const STAMP_SLACK_MS = 60_000;

/**
 * Warns before the session ends (idle or absolute timeout, HIPAA 164.312(a)(2)(iii)) and lets the user
 * stay signed in; unsaved entry is kept encrypted in the browser either way (issue #15 item 7).
 */
export function SessionWatch() {
  const [ends, setEnds] = useState<{ at: number; absolute: boolean } | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let facts: { idleMinutes: number; expiresAt: string } | undefined;
    void browserSession()
      .then((s) => {
        facts = s.facts;
      })
      .catch(() => undefined);
    const tick = () => {
      setNow(Date.now());
      if (facts === undefined) return;
      const idleEnd = lastActivity() - STAMP_SLACK_MS + facts.idleMinutes * 60_000;
      const absoluteEnd = Date.parse(facts.expiresAt);
      setEnds(idleEnd < absoluteEnd ? { at: idleEnd, absolute: false } : { at: absoluteEnd, absolute: true });
    };
    const timer = setInterval(tick, 5_000);
    tick();
    return () => clearInterval(timer);
  }, []);
  if (ends === undefined || ends.at - now > WARN_MS) return null;
  const minutes = Math.max(0, Math.ceil((ends.at - now) / 60_000));
  return (
    <div role="alert" className="warning session-warning">
      {ends.at <= now
        ? 'Your session has ended: sign in again. Unsaved entry is kept in this browser, encrypted.'
        : `Your session ends in about ${minutes} minute${minutes === 1 ? '' : 's'}${ends.absolute ? ' (the longest a session lasts)' : ''}. Unsaved entry is kept in this browser, encrypted.`}{' '}
      {!ends.absolute && ends.at > now && (
        <button
          type="button"
          onClick={() => void api<Me>('GET', '/api/v1/auth/me').then(() => setNow(Date.now()))}
        >
          Stay signed in
        </button>
      )}
    </div>
  );
}
