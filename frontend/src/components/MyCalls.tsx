import { useCallback, useEffect, useRef, useState } from 'react';
import { formatDateTime, formatPercent } from '../format';
import { ApiError, type CallsApi } from '../services/calls';
import type { StoredCall } from '../types/protocol';
import { StatusBadge, VerdictBadge } from './badges';
import type { CallUpdate } from './CallView';
import { DueReminder } from './DueReminder';

interface MyCallsProps {
  callsApi: CallsApi;
  /** Change it to reload the list (a call was logged, deleted or verified). */
  refreshKey?: number;
  timeZone?: string;
  pageSize?: number;
  /** A call changed elsewhere (a verdict arrived): its card is replaced in place, without a reload. */
  update?: CallUpdate | null;
  /** Calls waiting for you to resolve them (`GET /api/due`). */
  due?: StoredCall[] | null;
}

/** The user's logged calls, newest first, a page at a time. */
export function MyCalls({ callsApi, refreshKey = 0, timeZone, pageSize = 20, update, due }: MyCallsProps) {
  const [items, setItems] = useState<StoredCall[]>([]);
  const [updated, setUpdated] = useState<ReadonlySet<string>>(new Set());
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(
    async (cursor: string | null) => {
      const mine = ++request.current; // a slow answer to an older request must not win
      setLoading(true);
      setError(null);
      try {
        const page = await callsApi.list({ limit: pageSize, cursor });
        if (mine !== request.current) return;
        setItems((previous) => (cursor ? [...previous, ...page.items] : page.items));
        if (!cursor) setUpdated(new Set());
        setNextCursor(page.next_cursor);
        setLoaded(true);
      } catch (problem) {
        if (mine !== request.current) return;
        setError(problem instanceof ApiError ? problem.message : 'Could not load your calls.');
      } finally {
        if (mine === request.current) setLoading(false);
      }
    },
    [callsApi, pageSize],
  );

  useEffect(() => {
    void load(null);
  }, [load, refreshKey]);

  useEffect(() => {
    if (!update) return;
    const changed = update.call;
    setItems((previous) => previous.map((call) => (call.id === changed.id ? changed : call)));
    setUpdated((ids) => new Set(ids).add(changed.id));
  }, [update]);

  return (
    <section className="card my-calls" aria-labelledby="calls-heading" aria-busy={loading}>
      <div className="section-head">
        <h2 id="calls-heading" tabIndex={-1} data-view-heading>
          My Calls
        </h2>
        <button type="button" className="btn btn-secondary btn-small" onClick={() => void load(null)}>
          Refresh
        </button>
      </div>

      {due && due.length > 0 && <DueReminder due={due} timeZone={timeZone} />}

      {error && (
        <div className="error-message" role="alert">
          <p>Could not load your calls: {error}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void load(null)}>
            Try again
          </button>
        </div>
      )}

      <p role="status" className={`run-status${loading && !loaded ? '' : ' empty'}`}>
        {loading && !loaded ? 'Loading your calls…' : ''}
      </p>

      {loaded && items.length === 0 && !error && (
        <p className="empty-state">
          No calls yet. <a href="#/">Make a prediction</a> and log it: it will show up here.
        </p>
      )}

      {items.length > 0 && (
        <ul className="call-list" aria-label="Logged calls">
          {items.map((call) => (
            <li key={call.id}>
              <CallSummary call={call} timeZone={timeZone} justUpdated={updated.has(call.id)} />
            </li>
          ))}
        </ul>
      )}

      {nextCursor && (
        <button
          type="button"
          className="btn btn-secondary"
          disabled={loading}
          onClick={() => void load(nextCursor)}
        >
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

function CallSummary({ call, timeZone, justUpdated }: { call: StoredCall; timeZone?: string; justUpdated: boolean }) {
  const headingId = `call-${call.id}`;
  return (
    <article className={`call-summary${justUpdated ? ' just-updated' : ''}`} aria-labelledby={headingId}>
      <h3 id={headingId} className="call-title">
        <a href={`#/calls/${encodeURIComponent(call.id)}`}>{call.prediction_statement}</a>
      </h3>
      <p className="meta">
        <StatusBadge status={call.status} />
        {call.verdict && <VerdictBadge verdict={call.verdict.verdict} />}
        <span>
          Check: <time dateTime={call.verification_date}>
            {formatDateTime(call.verification_date, { timeZone, style: 'medium' })}
          </time>
        </span>
        <span>
          Logged: <time dateTime={call.created_at}>
            {formatDateTime(call.created_at, { timeZone, style: 'medium' })}
          </time>
        </span>
        {call.confidence !== null && call.confidence !== undefined && (
          <span>My confidence: {formatPercent(call.confidence)}</span>
        )}
        {justUpdated && <span className="updated-note">Updated just now</span>}
      </p>
    </article>
  );
}
