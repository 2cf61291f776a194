import type { Outcome, StoredCall } from './api/types';
import { t } from './strings';
import type { RecurringInterval } from './types/protocol';

export const CATEGORY_LABELS = t.badges.categories;
export const MODE_LABELS = t.badges.modes;

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category]?.label ?? words(category);
}

export function modeLabel(mode: string, interval?: RecurringInterval | null): string {
  const label = MODE_LABELS[mode] ?? words(mode);
  return mode === 'recurring' && interval ? `${label} (${t.badges.intervals[interval] ?? interval})` : label;
}

/** A slug nobody gave words to yet: `api_tool_verifiable` → "api tool verifiable", never the raw slug. */
export function words(slug: string): string {
  return slug.replace(/[_-]+/g, ' ').trim();
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
    return (
      new Intl.DateTimeFormat(options.locale, { dateStyle: style, timeStyle: 'short', timeZone: options.timeZone }).format(date) +
      (style === 'full' ? ` ${timeZoneName(date, options)}` : '')
    );
  } catch {
    return date.toISOString(); // an unknown timezone name: still show a real date
  }
}

/** A calendar date (YYYY-MM-DD, no time) in the user's locale: "1 Nov 2026". */
export function formatDay(day: string, locale?: string | string[]): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return day;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** A month (its first day, YYYY-MM-DD or YYYY-MM) in the user's locale: "Nov 2026". */
export function formatMonth(period: string, locale?: string | string[]): string {
  const match = /^(\d{4})-(\d{2})/.exec(period);
  if (!match) return period;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
}

function timeZoneName(date: Date, options: { timeZone?: string; locale?: string | string[] }): string {
  const part = new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part ? `(${part.value})` : '';
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600e3],
  ['month', 30 * 24 * 3600e3],
  ['week', 7 * 24 * 3600e3],
  ['day', 24 * 3600e3],
  ['hour', 3600e3],
  ['minute', 60e3],
];

/** "in 3 days", "2 hours ago", "now": the largest unit that fits, in the user's locale. */
export function formatRelative(iso: string, now: number = Date.now(), locale?: string | string[]): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const diff = at - now;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size * 0.95) return format.format(Math.round(diff / size), unit); // 23h59 is "tomorrow"
  }
  return format.format(0, 'minute');
}

/** 0.7 → "70%". */
export function formatPercent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

// --- outcome: one vocabulary everywhere ----------------------------------------------------------

export type { Outcome };

/**
 * What became of a call, in the words the whole app (and the CLI) uses: called it / missed it, waiting
 * for you (its date has come and no agent check is planned: only you can settle it), checking, void.
 * The server says it with each call (`outcome`); this is the same rule for a call that lacks it.
 */
export function outcomeOf(
  call: Pick<StoredCall, 'status' | 'verdict' | 'verifiable_category' | 'verification_date'> & Partial<Pick<StoredCall, 'outcome' | 'next_check_at'>>,
  now = Date.now(),
): Outcome {
  if (call.outcome) return call.outcome;
  if (call.status === 'void') return 'void';
  if (call.status === 'verified' && call.verdict?.verdict === 'confirmed') return 'called_it';
  if (call.status === 'verified' && call.verdict?.verdict === 'refuted') return 'missed_it';
  const due = new Date(call.verification_date).getTime() <= now;
  if (due && (call.status === 'inconclusive' || call.verifiable_category === 'human_verifiable_only' || call.next_check_at === null)) {
    return 'waiting_for_you';
  }
  return 'checking';
}

export function outcomeLabel(outcome: Outcome): string {
  return t.outcome[outcome];
}

/** A verdict's outcome in the same words (inconclusive: nobody could tell, so it waits for you). */
export function verdictLabel(verdict: string): string {
  if (verdict === 'confirmed') return t.outcome.called_it;
  if (verdict === 'refuted') return t.outcome.missed_it;
  return t.outcome.waiting_for_you;
}

// --- machine text into words -----------------------------------------------------------------------

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;
const ISO_DAY = /\b(\d{4}-\d{2}-\d{2})\b/g;
const SLUG = /`?\b([a-z]+(?:_[a-z]+)+)\b`?/g;

/**
 * Free text from the server or a model (reasons, notes) without machine spellings: ISO timestamps
 * become dates in the user's timezone, bare ISO days become "1 Nov 2026", snake_case slugs words.
 */
export function readable(text: string, timeZone?: string): string {
  return text
    .replace(ISO_INSTANT, (iso) => formatDateTime(iso, { timeZone, style: 'medium' }))
    .replace(ISO_DAY, (day) => formatDay(day))
    .replace(SLUG, (_all, slug: string) => CATEGORY_LABELS[slug]?.label.toLowerCase() ?? t.tools[slug] ?? words(slug));
}

const TOOL_NOTE = /^(\d+) tool uses?: (.+)$/;

/** "1 tool uses: current_time" → "The agent used 1 tool: the clock." Anything else through `readable`. */
export function readableNote(note: string, timeZone?: string): string {
  const match = TOOL_NOTE.exec(note.trim());
  if (!match) return readable(note, timeZone);
  const tools = match[2]!.split(/,\s*/).map((name) => t.tools[name] ?? words(name));
  return t.history.toolsUsed(Number(match[1]), [...new Set(tools)].join(', '));
}
