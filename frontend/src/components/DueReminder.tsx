import { useId } from 'react';
import { formatDateTime } from '../format';
import type { StoredCall } from '../types/protocol';

/** The calls waiting for you: their date has come and only you can say how they turned out. */
export function DueReminder({ due, timeZone }: { due: StoredCall[]; timeZone?: string }) {
  const headingId = useId();
  const count = due.length;
  return (
    <div className="due-reminder" role="group" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {count === 1 ? '1 call is waiting for you to resolve it' : `${count} calls are waiting for you to resolve them`}
      </h3>
      <p className="hint">
        Their date has come, and only you can say how they turned out (or the agent could not tell). Open one and
        mark it confirmed, refuted or void.
      </p>
      <ul>
        {due.map((call) => (
          <li key={call.id}>
            <a href={`#/calls/${encodeURIComponent(call.id)}`}>{call.prediction_statement}</a>{' '}
            <span className="muted small">
              due <time dateTime={call.verification_date}>{formatDateTime(call.verification_date, { timeZone, style: 'medium' })}</time>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
