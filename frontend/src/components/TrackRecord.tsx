import type { PeriodRecord, TagRecord } from '../api/types';
import { formatMonth } from '../format';
import { errorText, useStats } from '../queries';
import { t } from '../strings';
import { CalibrationChart } from './CalibrationChart';

/** "0.04" → "0.040": three decimals, enough to tell calls apart, few enough to read. */
export function formatBrier(brier: number): string {
  return brier.toFixed(3);
}

/** Your track record: the tally, the Brier scores, calibration, over time and by tag (`GET /api/stats`). */
export function TrackRecord() {
  const stats = useStats();
  const record = stats.data;

  return (
    <section className="card track-record" aria-labelledby="record-heading" aria-busy={stats.isFetching}>
      <h2 id="record-heading" className="view-heading" tabIndex={-1} data-view-heading>
        {t.record.heading}
      </h2>

      {stats.isError && !record && (
        <div className="error-message" role="alert">
          <p>{t.record.loadFailed(errorText(stats.error, t.errors.network))}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void stats.refetch()}>
            {t.app.tryAgain}
          </button>
        </div>
      )}

      <p role="status" className={`run-status${stats.isPending ? '' : ' empty'}`}>
        {stats.isPending ? t.record.loading : ''}
      </p>

      {record && (
        <>
          <dl className="tally">
            <Tally label={t.record.tally.called_it} value={record.called_it} hint={t.record.tallyHint.called_it} tone="good" />
            <Tally label={t.record.tally.missed_it} value={record.missed_it} hint={t.record.tallyHint.missed_it} tone="bad" />
            <Tally label={t.record.tally.checking} value={record.pending} hint={t.record.tallyHint.checking} />
            <Tally label={t.record.tally.waiting} value={record.inconclusive} hint={t.record.tallyHint.waiting} />
            <Tally label={t.record.tally.void} value={record.void} hint={t.record.tallyHint.void} />
            <Tally label={t.record.tally.total} value={record.total} />
          </dl>

          <section className="brier" aria-labelledby="brier-heading">
            <h3 id="brier-heading">{t.record.brier}</h3>
            {record.brier === null ? (
              <p className="empty-state">{t.record.noScore}</p>
            ) : (
              <dl className="brier-values">
                <div>
                  <dt>{t.record.finalBrier}</dt>
                  <dd>
                    <strong className="brier-value">{formatBrier(record.brier)}</strong>
                  </dd>
                </div>
                {record.brier_time_weighted !== undefined && record.brier_time_weighted !== null && (
                  <div>
                    <dt>{t.record.timeWeighted}</dt>
                    <dd>
                      <strong className="brier-value">{formatBrier(record.brier_time_weighted)}</strong>
                    </dd>
                  </div>
                )}
                <div className="brier-over">
                  <dt className="sr-only">{t.record.scoredColumn}</dt>
                  <dd className="muted">{t.record.over(record.scored)}</dd>
                </div>
              </dl>
            )}
            <p className="hint">{t.record.brierHint}</p>
          </section>

          <section className="calibration-section" aria-labelledby="calibration-heading">
            <h3 id="calibration-heading">{t.record.calibration}</h3>
            <p className="hint">{t.record.calibrationHint}</p>
            <CalibrationChart bins={record.calibration} />
          </section>

          {record.over_time !== undefined && (
            <Breakdown
              id="over-time-heading"
              heading={t.record.overTime}
              hint={t.record.overTimeHint}
              first={t.record.period}
              rows={record.over_time.map((row: PeriodRecord) => ({ key: row.period, name: formatMonth(row.period), ...row }))}
            />
          )}
          {record.by_tag !== undefined && (
            <Breakdown
              id="by-tag-heading"
              heading={t.record.byTag}
              hint={t.record.byTagHint}
              first={t.record.tagColumn}
              rows={record.by_tag.map((row: TagRecord) => ({ key: row.tag, name: `#${row.tag}`, ...row }))}
            />
          )}
        </>
      )}
    </section>
  );
}

interface Row {
  key: string;
  name: string;
  scored: number;
  brier: number | null;
  brier_time_weighted?: number | null;
}

/** A score per month or per tag, as a table with a bar per row (shorter is better). */
function Breakdown({ id, heading, hint, first, rows }: { id: string; heading: string; hint: string; first: string; rows: Row[] }) {
  const weighted = rows.some((row) => row.brier_time_weighted !== undefined);
  return (
    <section className="breakdown" aria-labelledby={id}>
      <h3 id={id}>{heading}</h3>
      <p className="hint">{hint}</p>
      {rows.length === 0 ? (
        <p className="empty-state">{t.record.noBreakdown}</p>
      ) : (
        <table className="breakdown-table">
          <thead>
            <tr>
              <th scope="col">{first}</th>
              <th scope="col">{t.record.scoredColumn}</th>
              <th scope="col">{t.record.brierColumn}</th>
              {weighted && <th scope="col">{t.record.timeWeightedColumn}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.name}</th>
                <td>{row.scored}</td>
                <td>
                  {row.brier === null ? (
                    '—'
                  ) : (
                    <span className="bar-cell">
                      <span className="bar" style={{ width: `${Math.min(100, row.brier * 200)}%` }} aria-hidden="true" />
                      {formatBrier(row.brier)}
                    </span>
                  )}
                </td>
                {weighted && <td>{row.brier_time_weighted === null || row.brier_time_weighted === undefined ? '—' : formatBrier(row.brier_time_weighted)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
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
