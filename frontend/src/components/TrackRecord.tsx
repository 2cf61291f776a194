import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../services/http';
import type { VerificationApi } from '../services/verification';
import type { TrackRecord as TrackRecordData } from '../types/verification';
import { CalibrationChart } from './CalibrationChart';

interface TrackRecordProps {
  verification: VerificationApi;
  /** Change it to reload (a call was resolved, undone or verified). */
  refreshKey?: number;
}

/** "0.04" → "0.040": three decimals, enough to tell calls apart, few enough to read. */
export function formatBrier(brier: number): string {
  return brier.toFixed(3);
}

/** Your track record: called it / missed it, the Brier score, and the calibration chart (`GET /api/stats`). */
export function TrackRecord({ verification, refreshKey = 0 }: TrackRecordProps) {
  const [record, setRecord] = useState<TrackRecordData | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(async () => {
    const mine = ++request.current;
    setLoading(true);
    setError(null);
    try {
      const stats = await verification.stats();
      if (mine === request.current) setRecord(stats);
    } catch (problem) {
      if (mine === request.current) {
        setError(problem instanceof ApiError ? problem.message : 'Could not load your track record.');
      }
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [verification]);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  return (
    <section className="card track-record" aria-labelledby="record-heading" aria-busy={loading}>
      <div className="section-head">
        <h2 id="record-heading" tabIndex={-1} data-view-heading>
          Track record
        </h2>
        <button type="button" className="btn btn-secondary btn-small" onClick={() => void load()}>
          Refresh
        </button>
      </div>

      {error && (
        <div className="error-message" role="alert">
          <p>Could not load your track record: {error}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}

      <p role="status" className={`run-status${loading && !record ? '' : ' empty'}`}>
        {loading && !record ? 'Loading your track record…' : ''}
      </p>

      {record && (
        <>
          <dl className="tally">
            <Tally label="Called it" value={record.called_it} hint="confirmed: it came true" tone="good" />
            <Tally label="Missed it" value={record.missed_it} hint="refuted: it did not" tone="bad" />
            <Tally label="Pending" value={record.pending} hint="not resolved yet" />
            <Tally label="Inconclusive" value={record.inconclusive} hint="checked, nobody could tell" />
            <Tally label="Void" value={record.void} hint="left out" />
            <Tally label="All calls" value={record.total} />
          </dl>

          <section className="brier" aria-labelledby="brier-heading">
            <h3 id="brier-heading">Brier score</h3>
            {record.brier === null ? (
              <p className="empty-state">
                No score yet: it needs a resolved call (confirmed or refuted) that you gave a confidence to. Set
                your confidence on a call, then resolve it.
              </p>
            ) : (
              <p className="brier-value">
                <strong>{formatBrier(record.brier)}</strong>{' '}
                <span className="muted">
                  over {record.scored} scored call{record.scored === 1 ? '' : 's'}
                </span>
              </p>
            )}
            <p className="hint">
              The two-outcome Brier score: the mean of (your confidence − outcome)² over your resolved calls that
              have a confidence, where the outcome is 1 for confirmed and 0 for refuted. 0 is perfect and 1 the
              worst; always saying 50% scores 0.25. Pending, inconclusive and void calls, and calls without a
              confidence, are left out.
            </p>
          </section>

          <section className="calibration-section" aria-labelledby="calibration-heading">
            <h3 id="calibration-heading">Calibration</h3>
            <p className="hint">
              Your scored calls in ten bins of confidence. Each point sits at the mean confidence of its bin and the
              share of its calls that came true, sized and labelled by how many calls it holds. Points on the
              diagonal are perfectly calibrated; below it you were overconfident, above it underconfident.
            </p>
            <CalibrationChart bins={record.calibration} />
          </section>
        </>
      )}
    </section>
  );
}

function Tally({ label, value, hint, tone }: { label: string; value: number; hint?: string; tone?: 'good' | 'bad' }) {
  return (
    <div className={`tally-item${tone ? ` tally-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>
        <span className="tally-value">{value}</span>
        {hint && <span className="tally-hint">{hint}</span>}
      </dd>
    </div>
  );
}
