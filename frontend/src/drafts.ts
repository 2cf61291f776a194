import type { CallContent } from './types/protocol';

/** What quick capture keeps across a reload: the words, the chance, and a finished call not yet logged. */
export interface Draft {
  prompt: string;
  chance: string;
  /** The finished call for `submitted` (possibly edited by the owner), not logged yet. */
  result?: { submitted: string; call: CallContent } | null;
}

/** One draft per signed-in user (`scope`), so a shared browser never shows one user another's. */
const key = (scope: string) => (scope ? `calledit.draft.${scope}` : 'calledit.draft');
const WELCOMED = 'calledit.welcomed';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked: drafts just don't survive a reload
  }
}

export function loadDraft(scope = ''): Draft | null {
  const raw = storage()?.getItem(key(scope));
  if (!raw) return null;
  try {
    const draft = JSON.parse(raw) as Partial<Draft>;
    if (typeof draft.prompt !== 'string' || typeof draft.chance !== 'string') return null;
    const result =
      draft.result && typeof draft.result.submitted === 'string' && typeof draft.result.call === 'object' ? draft.result : null;
    return { prompt: draft.prompt, chance: draft.chance, result };
  } catch {
    return null;
  }
}

export function saveDraft(draft: Draft, scope = ''): void {
  const store = storage();
  if (!store) return;
  try {
    if (!draft.prompt && !draft.chance && !draft.result) store.removeItem(key(scope));
    else store.setItem(key(scope), JSON.stringify(draft));
  } catch {
    // full or blocked: the draft lives on in memory
  }
}

export function clearDraft(scope = ''): void {
  storage()?.removeItem(key(scope));
}

/** Has this browser seen the welcome (examples and what happens next)? */
export function welcomed(): boolean {
  return storage()?.getItem(WELCOMED) === '1';
}

export function setWelcomed(): void {
  try {
    storage()?.setItem(WELCOMED, '1');
  } catch {
    // blocked: the welcome shows again next time
  }
}
