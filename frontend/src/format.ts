import type {
  CallStatus,
  RecurringInterval,
  VerdictOutcome,
  VerifiableCategory,
  VerificationMode,
} from './types/protocol';

export const CATEGORY_LABELS: Record<VerifiableCategory, { label: string; meaning: string }> = {
  agent_verifiable: { label: 'Reasoning alone', meaning: 'The agent can check it by reasoning alone.' },
  current_tool_verifiable: { label: 'Needs the clock', meaning: 'Checking it needs the current date or time.' },
  strands_tool_verifiable: { label: 'Needs a computation', meaning: 'Checking it needs a calculation.' },
  api_tool_verifiable: { label: 'Needs outside data', meaning: 'Checking it needs data from an outside source.' },
  human_verifiable_only: { label: 'Human judgement', meaning: 'Only a person can judge it.' },
};

export const MODE_LABELS: Record<VerificationMode, string> = {
  immediate: 'Checkable now',
  at_date: 'Checked on the date',
  before_date: 'Must happen by the date',
  recurring: 'Recurring',
};

export const STATUS_LABELS: Record<CallStatus, string> = {
  pending: 'Pending',
  verified: 'Verified',
  inconclusive: 'Inconclusive',
  void: 'Void',
};

export const VERDICT_LABELS: Record<VerdictOutcome, string> = {
  confirmed: 'Confirmed',
  refuted: 'Refuted',
  inconclusive: 'Inconclusive',
};

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category as VerifiableCategory]?.label ?? category;
}

export function modeLabel(mode: string, interval?: RecurringInterval | null): string {
  const label = MODE_LABELS[mode as VerificationMode] ?? mode;
  return mode === 'recurring' && interval ? `${label} (${interval})` : label;
}

/** The user's IANA timezone, as the browser reports it. */
export function userTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * An ISO 8601 instant in the user's locale and timezone, e.g. "Saturday 21 November 2026 at 23:59 CET".
 * Anything unparseable is shown as it came, rather than as "Invalid Date".
 */
export function formatDateTime(
  iso: string,
  options: { timeZone?: string; locale?: string | string[]; style?: 'full' | 'medium' | 'short' } = {},
): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const style = options.style ?? 'full';
  try {
    return new Intl.DateTimeFormat(options.locale, {
      dateStyle: style,
      timeStyle: 'short',
      timeZone: options.timeZone,
    }).format(date) + (style === 'full' ? ` ${timeZoneName(date, options)}` : '');
  } catch {
    return date.toISOString(); // an unknown timezone name: still show a real date
  }
}

function timeZoneName(date: Date, options: { timeZone?: string; locale?: string | string[] }): string {
  const part = new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part ? `(${part.value})` : '';
}

/** 0.7 → "70%". */
export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}
