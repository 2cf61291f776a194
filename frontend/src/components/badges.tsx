import { STATUS_LABELS, VERDICT_LABELS } from '../format';
import type { CallStatus, VerdictOutcome } from '../types/protocol';

export function StatusBadge({ status }: { status: CallStatus }) {
  return <span className={`badge status-${status}`}>Status: {STATUS_LABELS[status] ?? status}</span>;
}

export function VerdictBadge({ verdict }: { verdict: VerdictOutcome }) {
  return <span className={`badge verdict-${verdict}`}>Verdict: {VERDICT_LABELS[verdict] ?? verdict}</span>;
}
