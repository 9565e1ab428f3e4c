import { useEffect, useRef, useState } from 'react';
import { clearDraft, loadDraft, type StoredDraft, saveDraft } from './draft-store.js';

/**
 * Keeps a form's unsaved values as an encrypted draft while they are typed (draft-store.ts) and offers
 * the one found on opening the form; `discard` after a save or on request.
 */
export function useEntryDraft(scope: string, values: Record<string, string>) {
  const [found, setFound] = useState<StoredDraft | null>(null);
  const [kept, setKept] = useState<string | undefined>(undefined);
  const loaded = useRef(false);
  useEffect(() => {
    let live = true;
    void loadDraft(scope).then((draft) => {
      if (live) setFound(draft);
      loaded.current = true;
    });
    return () => {
      live = false;
    };
  }, [scope]);
  useEffect(() => {
    // Nothing typed yet, the stored draft not yet read or not yet restored or discarded: a draft is
    // never overwritten by an empty form or by typing that began before it was offered.
    if (!loaded.current || found !== null || Object.values(values).every((v) => v === '')) return;
    const timer = setTimeout(() => {
      void saveDraft(scope, values).then(() => setKept(new Date().toLocaleTimeString()));
    }, 400);
    return () => clearTimeout(timer);
  }, [scope, values, found]);
  return {
    found,
    kept,
    dismiss: () => setFound(null),
    discard: () => {
      clearDraft(scope);
      setFound(null);
    },
  };
}
