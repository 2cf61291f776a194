import { useEffect, useRef, useState } from 'react';
import { formatDateTime, formatPercent } from '../format';
import { ApiError, type CallsApi } from '../services/calls';
import type { StoredCall, Verdict } from '../types/protocol';
import { StatusBadge, VerdictBadge } from './badges';
import { CallDetails, Field } from './CallDetails';

interface CallViewProps {
  callsApi: CallsApi;
  id: string;
  timeZone?: string;
  /** Change it to reload (e.g. a verdict arrived). */
  refreshKey?: number;
  onDeleted?: (call: StoredCall) => void;
}

type Load = { kind: 'loading' } | { kind: 'loaded'; call: StoredCall } | { kind: 'failed'; message: string; missing: boolean };

/** One logged call: everything about it, its verdict when there is one, and delete. */
export function CallView({ callsApi, id, timeZone, refreshKey = 0, onDeleted }: CallViewProps) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

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
          {load.call.verdict && <VerdictPanel verdict={load.call.verdict} timeZone={timeZone} />}
          <CallDetails call={load.call} timeZone={timeZone} />
          <div className="field-row">
            <Field label="Your words">
              <p>{load.call.raw_prompt}</p>
            </Field>
            <Field label="My confidence">
              <p>{load.call.confidence === null ? 'Not given' : formatPercent(load.call.confidence)}</p>
            </Field>
          </div>
          <p className="muted small">
            Logged {formatDateTime(load.call.created_at, { timeZone, style: 'medium' })} · timezone{' '}
            {load.call.timezone} · made by {load.call.model}
          </p>

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

function VerdictPanel({ verdict, timeZone }: { verdict: Verdict; timeZone?: string }) {
  return (
    <div className={`verdict-panel verdict-panel-${verdict.verdict}`}>
      <Field label="Verdict">
        <p>
          <VerdictBadge verdict={verdict.verdict} /> with {formatPercent(verdict.confidence)} confidence, checked{' '}
          <time dateTime={verdict.verified_at}>
            {formatDateTime(verdict.verified_at, { timeZone, style: 'medium' })}
          </time>
        </p>
        <p className="reasoning">{verdict.reasoning}</p>
        {verdict.evidence.length > 0 && (
          <ul className="evidence">
            {verdict.evidence.map((item, index) => (
              <li key={index}>
                <strong>{item.source}</strong>: {item.finding} <span className="muted">({item.criterion})</span>
              </li>
            ))}
          </ul>
        )}
      </Field>
    </div>
  );
}
