import { useEffect, useState } from 'react';
import type { StoredCall } from '../api/types';
import { formatDateTime, formatRelative, outcomeLabel, outcomeOf, type Outcome } from '../format';
import { t } from '../strings';

/** What became of a call, in the one vocabulary: called it / missed it / waiting for you / checking / void. */
export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  return (
    <span className={`badge outcome outcome-${outcome}`} title={t.outcome.meaning[outcome]}>
      {outcomeLabel(outcome)}
    </span>
  );
}

export function CallOutcome({ call }: { call: StoredCall }) {
  return <OutcomeBadge outcome={outcomeOf(call)} />;
}

/** The current time, moving on every minute, so "in 3 minutes" does not go stale on screen. */
export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "in 3 days", with the exact date and time on hover and for assistive tech. */
export function RelativeTime({
  iso,
  timeZone,
  now,
  phrase = (relative) => relative,
}: {
  iso: string;
  timeZone?: string;
  now?: number;
  phrase?: (relative: string) => string;
}) {
  const exact = formatDateTime(iso, { timeZone });
  return (
    <time dateTime={iso} title={exact}>
      {phrase(formatRelative(iso, now))}
    </time>
  );
}

/** When a call checks (or was due, or was settled), relative to now. */
export function CallWhen({ call, timeZone, now }: { call: StoredCall; timeZone?: string; now: number }) {
  const outcome = outcomeOf(call, now);
  if ((outcome === 'called_it' || outcome === 'missed_it') && call.verdict) {
    return <RelativeTime iso={call.verdict.verified_at} timeZone={timeZone} now={now} phrase={t.relative.settled} />;
  }
  if (outcome === 'void') return <RelativeTime iso={call.updated_at} timeZone={timeZone} now={now} phrase={t.relative.settled} />;
  const past = new Date(call.verification_date).getTime() <= now;
  return (
    <RelativeTime iso={call.verification_date} timeZone={timeZone} now={now} phrase={past ? t.relative.wasDue : t.relative.checksIn} />
  );
}
