import { useId } from 'react';
import type { StoredCall } from '../api/types';
import { t } from '../strings';
import { RelativeTime } from './badges';

/** The calls waiting for you: their date has come and only you can say how they turned out. */
export function DueReminder({ due, timeZone, now }: { due: StoredCall[]; timeZone?: string; now?: number }) {
  const headingId = useId();
  return (
    <div className="due-reminder" role="group" aria-labelledby={headingId}>
      <h3 id={headingId}>{t.calls.dueHeading(due.length)}</h3>
      <p className="hint">{t.calls.dueHint}</p>
      <ul>
        {due.map((call) => (
          <li key={call.id}>
            <a href={`#/calls/${encodeURIComponent(call.id)}`}>{call.prediction_statement}</a>{' '}
            <span className="muted small">
              <RelativeTime iso={call.verification_date} timeZone={timeZone} now={now} phrase={t.relative.wasDue} />
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
