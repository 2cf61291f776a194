import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { formatDateTime, formatPercent } from '../format';
import { ApiError, type CallsApi } from '../services/calls';
import type { VerificationApi } from '../services/verification';
import type { StoredCall } from '../types/protocol';
import type { CallHistory, Resolution } from '../types/verification';
import { StatusBadge, VerdictBadge } from './badges';
import { CallDetails, Field } from './CallDetails';
import {
  ConfidenceEditor,
  HistoryList,
  ResolvePanel,
  VerdictPanel,
  describeChange,
  undoableChanges,
} from './CallVerification';

/** A newer copy of a call from elsewhere (a verdict event); `seq` tells two copies of the same call apart. */
export interface CallUpdate {
  call: StoredCall;
  seq: number;
}

interface CallViewProps {
  callsApi: CallsApi;
  id: string;
  timeZone?: string;
  /** Change it to reload (e.g. a verdict arrived). */
  refreshKey?: number;
  onDeleted?: (call: StoredCall) => void;
  /** Resolve by hand, undo, confidence, history and "check now". Without it the view is read-only. */
  verification?: VerificationApi;
  /** The newest copy of a call changed elsewhere: shown at once if it is this one. */
  update?: CallUpdate | null;
  /** This view changed the call (resolved, undone, confidence set). */
  onChanged?: (call: StoredCall) => void;
  /** About to change the call: the verdict event the server sends for it is this view's own doing. */
  onWillChange?: (id: string) => void;
}

type Load = { kind: 'loading' } | { kind: 'loaded'; call: StoredCall } | { kind: 'failed'; message: string; missing: boolean };
type Busy = null | 'resolve' | 'undo' | 'confidence' | 'check';

const RESOLVED: Record<Resolution, string> = {
  confirmed: 'Marked confirmed: it came true.',
  refuted: 'Marked refuted: it did not come true.',
  void: 'Marked void: it counts neither way.',
};

function problemText(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}

/** One logged call: everything about it, its verdict and history, resolving it by hand, and delete. */
export function CallView({
  callsApi,
  id,
  timeZone,
  refreshKey = 0,
  onDeleted,
  verification,
  update,
  onChanged,
  onWillChange,
}: CallViewProps) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [history, setHistory] = useState<CallHistory | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [result, setResult] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const historyRequest = useRef(0);
  const undoHintId = useId();
  const verifyHeadingRef = useRef<HTMLHeadingElement>(null);

  // After a change, the button pressed may be gone (the last Undo): keep keyboard focus in the section.
  const acted = useRef(false);
  useEffect(() => {
    if (!acted.current || busy !== null) return;
    if (document.activeElement === document.body || document.activeElement === null) {
      acted.current = false;
      verifyHeadingRef.current?.focus();
    }
  }, [busy, history]);

  useEffect(() => {
    let current = true;
    setLoad((previous) => (previous.kind === 'loaded' && previous.call.id === id ? previous : { kind: 'loading' }));
    callsApi.get(id).then(
      (call) => current && setLoad({ kind: 'loaded', call }),
      (error: unknown) => {
        if (!current) return;
        const missing = error instanceof ApiError && error.status === 404;
        setLoad({
          kind: 'failed',
          missing,
          message: missing
            ? 'This call does not exist: it may have been deleted.'
            : error instanceof Error
              ? error.message
              : 'Could not load the call.',
        });
      },
    );
    return () => {
      current = false;
    };
  }, [callsApi, id, attempt, refreshKey]);

  const loadHistory = useCallback(async () => {
    if (!verification) return;
    const mine = ++historyRequest.current;
    try {
      const found = await verification.history(id);
      if (mine === historyRequest.current) setHistory(found);
    } catch {
      if (mine === historyRequest.current) setHistory(null); // the call itself says what went wrong
    }
  }, [verification, id]);

  useEffect(() => {
    void loadHistory();
  }, [loadHistory, attempt, refreshKey]);

  // A verdict for this call arrived (the agent, or you in another tab): show it now.
  useEffect(() => {
    if (update && update.call.id === id) {
      setLoad({ kind: 'loaded', call: update.call });
      void loadHistory();
    }
  }, [update, id, loadHistory]);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const remove = async (call: StoredCall) => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await callsApi.remove(call.id);
      onDeleted?.(call);
    } catch (error) {
      setDeleteError(error instanceof Error ? error.message : 'Could not delete the call.');
      setDeleting(false);
    }
  };

  /** Run one change to the call; true when it worked. */
  const change = async (kind: Exclude<Busy, null | 'check'>, run: () => Promise<StoredCall>, done: (call: StoredCall) => string) => {
    if (busy) return false;
    setBusy(kind);
    setResult(null);
    setActionError(null);
    onWillChange?.(id);
    try {
      const call = await run();
      setLoad({ kind: 'loaded', call });
      setResult(done(call));
      onChanged?.(call);
      void loadHistory();
      return true;
    } catch (error) {
      setActionError(problemText(error, 'Could not change the call. Try again.'));
      return false;
    } finally {
      acted.current = true;
      setBusy(null);
    }
  };

  const checkNow = async () => {
    if (!verification || busy) return;
    setBusy('check');
    setResult(null);
    setActionError(null);
    try {
      setHistory(await verification.checkNow(id));
      setResult('Asked the agent to check it now: the verdict shows up here when it is done.');
    } catch (error) {
      setActionError(problemText(error, 'Could not ask for a check. Try again.'));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card call-view" aria-labelledby="call-heading" aria-busy={load.kind === 'loading'}>
      <p className="back">
        <a href="#/calls">← Back to My Calls</a>
      </p>
      <h2 id="call-heading" tabIndex={-1} data-view-heading>
        Call details
      </h2>

      {load.kind === 'loading' && <p role="status">Loading the call…</p>}

      {load.kind === 'failed' && (
        <div className="error-message" role="alert">
          <p>{load.message}</p>
          {!load.missing && (
            <button type="button" className="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          )}
        </div>
      )}

      {load.kind === 'loaded' && (
        <>
          <p className="meta">
            <StatusBadge status={load.call.status} />
            {load.call.verdict && <VerdictBadge verdict={load.call.verdict.verdict} />}
          </p>
          <VerdictPanel call={load.call} timeZone={timeZone} />
          <CallDetails call={load.call} timeZone={timeZone} />
          <div className="field-row">
            <Field label="Your words">
              <p>{load.call.raw_prompt}</p>
            </Field>
            <Field label="My confidence">
              {verification ? (
                <ConfidenceEditor
                  confidence={load.call.confidence}
                  busy={busy !== null}
                  onSave={(confidence) =>
                    change(
                      'confidence',
                      () => verification.setConfidence(id, confidence),
                      (call) =>
                        call.confidence === null
                          ? 'Your confidence is cleared.'
                          : `Your confidence is now ${formatPercent(call.confidence)}.`,
                    )
                  }
                />
              ) : (
                <p>{load.call.confidence === null ? 'Not given' : formatPercent(load.call.confidence)}</p>
              )}
            </Field>
          </div>
          <p className="muted small">
            Logged {formatDateTime(load.call.created_at, { timeZone, style: 'medium' })} · timezone{' '}
            {load.call.timezone} · made by {load.call.model}
          </p>

          {verification && (
            <section className="verify" aria-labelledby="verify-heading">
              <h3 id="verify-heading" ref={verifyHeadingRef} tabIndex={-1}>
                Verification
              </h3>
              <NextCheck call={load.call} history={history} timeZone={timeZone} />
              {load.call.verifiable_category !== 'human_verifiable_only' &&
                (load.call.status === 'pending' || load.call.status === 'inconclusive') && (
                  <p>
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      aria-disabled={busy !== null}
                      onClick={() => void checkNow()}
                    >
                      {busy === 'check' ? 'Asking…' : 'Ask the agent to check now'}
                    </button>
                  </p>
                )}

              <ResolvePanel
                call={load.call}
                busy={busy !== null}
                onResolve={(resolution, note) =>
                  change('resolve', () => verification.resolve(id, resolution, note), () => RESOLVED[resolution])
                }
              />

              {history && undoableChanges(history).length > 0 && (
                <div className="undo">
                  <button
                    type="button"
                    className="btn btn-secondary"
                    aria-disabled={busy !== null}
                    aria-describedby={undoHintId}
                    onClick={() => {
                      const last = undoableChanges(history).at(-1)!;
                      void change('undo', () => verification.undo(id), () => `Undone: ${describeChange(last, history.changes)}.`);
                    }}
                  >
                    {busy === 'undo' ? 'Undoing…' : 'Undo'}
                  </button>{' '}
                  <span id={undoHintId} className="hint">
                    Undo the latest change: {describeChange(undoableChanges(history).at(-1)!, history.changes)}
                  </span>
                </div>
              )}

              <div role="status" className="action-result">
                {result && <p className="notice notice-success">{result}</p>}
              </div>
              {actionError && (
                <p className="notice notice-error" role="alert">
                  {actionError}
                </p>
              )}

              {history && (
                <section className="history-section" aria-labelledby="history-heading">
                  <h3 id="history-heading">History</h3>
                  <HistoryList history={history} timeZone={timeZone} />
                </section>
              )}
            </section>
          )}

          <div className="danger-zone">
            {!confirming ? (
              <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
                Delete call
              </button>
            ) : (
              <div role="group" aria-label="Confirm delete" className="confirm">
                <p>Delete this call for good? This cannot be undone.</p>
                <button
                  ref={confirmRef}
                  type="button"
                  className="btn btn-danger"
                  disabled={deleting}
                  onClick={() => void remove(load.call)}
                >
                  {deleting ? 'Deleting…' : 'Yes, delete it'}
                </button>{' '}
                <button type="button" className="btn btn-secondary" disabled={deleting} onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </div>
            )}
            {deleteError && (
              <p className="notice notice-error" role="alert">
                Could not delete the call: {deleteError}
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** When the agent looks next, or why it will not. */
function NextCheck({ call, history, timeZone }: { call: StoredCall; history: CallHistory | null; timeZone?: string }) {
  if (call.verifiable_category === 'human_verifiable_only') {
    return <p className="muted">Only you can judge this call: the agent does not check it. Resolve it below when its date comes.</p>;
  }
  if (!history) return null;
  if (history.next_check_at) {
    return (
      <p>
        The agent checks it next{' '}
        <time dateTime={history.next_check_at}>{formatDateTime(history.next_check_at, { timeZone, style: 'medium' })}</time>
        {history.attempts > 0 ? ` (retry ${history.attempts})` : ''}.
      </p>
    );
  }
  if (call.status === 'pending' || call.status === 'inconclusive') {
    return <p className="muted">The agent has no check planned: ask it to check now, or resolve it yourself.</p>;
  }
  return null;
}
