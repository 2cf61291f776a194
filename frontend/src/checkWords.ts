import type { Check, ThresholdCheck } from './api/types';
import { t } from './strings';

/** The comparators of a check, as words: "at least", "below"… (the server writes the symbols). */
export const COMPARATORS = ['>', '>=', '<', '<=', '==', '!='] as const;

const SYMBOL_IN_TEXT = / (>=|<=|==|!=|>|<) (?=[-\d$€£¥])/g;

/** The check's words (criteria[0]) with its symbols as words: "close of AAPL … ≥ 200" → "… at least 200". */
export function conditionWords(text: string): string {
  return text.replace(SYMBOL_IN_TEXT, (_all, symbol: string) => ` ${t.comparators[symbol] ?? symbol} `);
}

function unitLabel(unit: string | null | undefined): string {
  if (unit === 'C' || unit === 'F') return `°${unit}`;
  return unit ?? '';
}

/** The threshold as the server writes it: thousands separated, no trailing zeros, with its unit. */
export function thresholdWords(check: ThresholdCheck): string {
  const number = new Intl.NumberFormat('en-US', {
    maximumFractionDigits: 4,
    minimumFractionDigits: check.source === 'economy' ? 1 : 0,
  }).format(check.threshold);
  const unit = unitLabel(check.unit);
  return unit ? `${number} ${unit}` : number;
}

/**
 * The check's words after its condition changed: the server writes them ending in
 * "<comparator> <threshold>", so that ending is rewritten; other wordings (a team "wins") stay.
 */
export function rewordCheck(words: string, before: ThresholdCheck, after: ThresholdCheck): string {
  if ('change' in before && before.change) return rewordChange(words, after);
  const ending = ` ${before.comparator} ${thresholdWords(before)}`;
  if (!words.endsWith(ending)) return words;
  return `${words.slice(0, -ending.length)} ${after.comparator} ${thresholdWords(after)}`;
}

/** How the server words a change since the start day: "higher than on Mon 23 Nov 2026" (threshold 0). */
const CHANGE_WORDS: Record<string, string> = {
  '>': 'higher than', '>=': 'at least as high as', '<': 'lower than', '<=': 'at most as high as',
  '==': 'the same as', '!=': 'other than',
};
const CHANGE_ENDING = new RegExp(
  ` (?:(?:${Object.values(CHANGE_WORDS).join('|')}) on|changed by \\S+ \\S+ since) (?<day>[^]+)$`,
);

/** A change check's words with the new condition, against the same baseline day. */
function rewordChange(words: string, after: ThresholdCheck): string {
  const found = CHANGE_ENDING.exec(words);
  if (!found?.groups) return words;
  const day = found.groups.day;
  const condition = after.threshold === 0
    ? `${CHANGE_WORDS[after.comparator]} on ${day}`
    : `changed by ${after.comparator} ${thresholdWords(after)} since ${day}`;
  return `${words.slice(0, found.index)} ${condition}`;
}

export function unitOf(check: ThresholdCheck): string {
  return unitLabel(check.unit);
}

/** A check whose condition is a number compared with a threshold (weather, markets, crypto, sports, economy). */
export function thresholdCheck(check: Check | null | undefined): ThresholdCheck | null {
  return check && 'threshold' in check && typeof check.threshold === 'number' ? check : null;
}
