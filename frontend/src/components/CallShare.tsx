import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { SharedCall, StoredCall } from '../api/types';
import { chanceText } from '../probability';
import { errorText, keys, useServices, useShare } from '../queries';
import { t } from '../strings';

type Busy = null | 'share' | 'confidence' | 'stop';
/** Where focus goes once the panel has re-rendered (the button pressed may be gone). */
type FocusTarget = 'heading' | 'address';

/**
 * A call's share panel: share it at a public address (showing your confidence or not), copy or open the
 * address, stop sharing. A disclosure under the call's title: focus moves to its heading when it opens,
 * Escape or Close hands focus back to the Share button (`onClose`).
 */
export function SharePanel({ call, id, onClose }: { call: StoredCall; id: string; onClose: () => void }) {
  const { calls } = useServices();
  const client = useQueryClient();
  const share = useShare(call.id);
  const [showConfidence, setShowConfidence] = useState(false);
  const [busy, setBusy] = useState<Busy>(null);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const addressRef = useRef<HTMLInputElement>(null);
  const focusTarget = useRef<FocusTarget | null>('heading');
  const ids = { heading: useId(), hint: useId(), confidence: useId(), confidenceHint: useId(), address: useId(), stopHint: useId() };
  const shared = share.data;

  useEffect(() => {
    const target = focusTarget.current;
    if (!target) return;
    focusTarget.current = null;
    (target === 'address' ? (addressRef.current ?? headingRef.current) : headingRef.current)?.focus();
  });

  const run = async (kind: Exclude<Busy, null>, action: () => Promise<SharedCall | null>, done: (next: SharedCall | null) => string, fail: (message: string) => string) => {
    if (busy) return;
    setBusy(kind);
    setResult(null);
    setProblem(null);
    try {
      const next = await action();
      client.setQueryData(keys.share(call.id), next);
      setResult(done(next));
      if (kind === 'share') focusTarget.current = 'address';
      if (kind === 'stop') focusTarget.current = 'heading';
    } catch (error) {
      setProblem(fail(errorText(error, t.errors.generic)));
    } finally {
      setBusy(null);
    }
  };

  const copy = async (url: string) => {
    setProblem(null);
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      setResult(t.share.copied);
    } catch {
      // No clipboard here (an insecure origin, a refusal): select the address for the user to copy.
      addressRef.current?.focus();
      addressRef.current?.select();
      setResult(t.share.copyManual);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    }
  };

  const chance = call.confidence === null || call.confidence === undefined ? null : chanceText(call.confidence);
  const checked = shared ? shared.show_confidence : showConfidence;

  return (
    <section id={id} className="share-panel" aria-labelledby={ids.heading} onKeyDown={onKeyDown}>
      <div className="share-panel-head">
        <h3 id={ids.heading} ref={headingRef} tabIndex={-1}>
          {t.share.heading}
        </h3>
        <button type="button" className="btn btn-link" aria-label={t.share.close} onClick={onClose}>
          {t.share.closeShort}
        </button>
      </div>
      <p id={ids.hint} className="hint">
        {t.share.hint}
      </p>

      {share.isPending && <p className="muted">{t.share.loading}</p>}
      {share.isError && (
        <div className="notice notice-error" role="alert">
          <p>{t.share.loadFailed(errorText(share.error, t.errors.network))}</p>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => void share.refetch()}>
            {t.app.tryAgain}
          </button>
        </div>
      )}

      {share.isSuccess && (
        <>
          <label className="checkbox" htmlFor={ids.confidence}>
            <input
              id={ids.confidence}
              type="checkbox"
              checked={checked}
              aria-describedby={ids.confidenceHint}
              aria-disabled={busy !== null}
              onChange={(event) => {
                const next = event.target.checked;
                if (busy) return;
                if (!shared) setShowConfidence(next);
                else
                  void run(
                    'confidence',
                    () => calls.share(call.id, next),
                    (updated) => (updated?.show_confidence ? t.share.confidenceShown : t.share.confidenceHidden),
                    t.share.failed,
                  );
              }}
            />
            {t.share.showConfidence}
          </label>
          <p id={ids.confidenceHint} className="hint">
            {chance ? t.share.confidenceYours(chance) : t.share.confidenceNone}
            {shared && ` ${t.share.confidenceLive}`}
          </p>

          {shared ? (
            <>
              <div className="form-group share-address">
                <label htmlFor={ids.address}>{t.share.address}</label>
                <input
                  id={ids.address}
                  ref={addressRef}
                  className="form-control"
                  type="text"
                  readOnly
                  value={shared.url}
                  onFocus={(event) => event.target.select()}
                />
              </div>
              <p className="actions">
                <button type="button" className="btn btn-secondary btn-small" onClick={() => void copy(shared.url)}>
                  {t.share.copy}
                </button>
                <a href={shared.url} target="_blank" rel="noopener noreferrer">
                  {t.share.openPage}{' '}
                  <span className="sr-only">{t.share.newTab}</span>
                </a>
              </p>
              <p className="actions">
                <button
                  type="button"
                  className="btn btn-danger-outline btn-small"
                  aria-describedby={ids.stopHint}
                  aria-disabled={busy !== null}
                  onClick={() => void run('stop', () => calls.unshare(call.id).then(() => null), () => t.share.stopped, t.share.stopFailed)}
                >
                  {busy === 'stop' ? t.share.stopping : t.share.stop}
                </button>
                <span id={ids.stopHint} className="hint">
                  {t.share.stopHint}
                </span>
              </p>
            </>
          ) : (
            <p>
              <button
                type="button"
                className="btn btn-primary btn-small"
                aria-describedby={ids.hint}
                aria-disabled={busy !== null}
                onClick={() => void run('share', () => calls.share(call.id, showConfidence), () => t.share.shared, t.share.failed)}
              >
                {busy === 'share' ? t.share.sharing : t.share.share}
              </button>
            </p>
          )}
        </>
      )}

      <div role="status">{result && <p className="notice notice-success">{result}</p>}</div>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
