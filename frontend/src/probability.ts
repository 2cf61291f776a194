/**
 * The user's own chance that a call comes true, typed the way people write it: `70`, `70%`, `0.7`,
 * `.7`, `3:1` (odds for: 3 to 1 → 75%), `1 in 4` (25%), `1/4`. Returns a fraction in [0, 1], or null
 * when the text says nothing (empty), or an error message that says what to type instead.
 */
export type ParsedChance = { kind: 'empty' } | { kind: 'ok'; value: number } | { kind: 'invalid' };

const NUMBER = String.raw`(\d+(?:[.,]\d+)?|[.,]\d+)`;
const PERCENT = new RegExp(`^${NUMBER}\\s*%$`);
const PLAIN = new RegExp(`^${NUMBER}$`);
const ODDS = new RegExp(`^${NUMBER}\\s*:\\s*${NUMBER}$`);
const ONE_IN = new RegExp(`^${NUMBER}\\s*(?:in|out of|/)\\s*${NUMBER}$`, 'i');

function number(text: string): number {
  return Number(text.replace(',', '.'));
}

export function parseChance(input: string): ParsedChance {
  const text = input.trim();
  if (!text) return { kind: 'empty' };
  let value: number | null = null;
  let match: RegExpExecArray | null;
  if ((match = PERCENT.exec(text))) value = number(match[1]!) / 100;
  else if ((match = ODDS.exec(text))) {
    const [forIt, against] = [number(match[1]!), number(match[2]!)];
    value = forIt + against > 0 ? forIt / (forIt + against) : null;
  } else if ((match = ONE_IN.exec(text))) {
    const [some, all] = [number(match[1]!), number(match[2]!)];
    value = all > 0 && some <= all ? some / all : null;
  } else if ((match = PLAIN.exec(text))) {
    const plain = number(match[1]!);
    // 0.7 and .7 are fractions; 1 is ambiguous and read as 1%, like every other whole number.
    value = plain < 1 && /[.,]/.test(match[1]!) ? plain : plain / 100;
  }
  if (value === null || !Number.isFinite(value) || value < 0 || value > 1) return { kind: 'invalid' };
  return { kind: 'ok', value: Math.round(value * 10_000) / 10_000 };
}

/** 0.75 → "75%" (one decimal only when it matters: 0.125 → "12.5%"). */
export function chanceText(value: number): string {
  const percent = Math.round(value * 1000) / 10;
  return `${Number.isInteger(percent) ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

/**
 * ArrowUp / ArrowDown on the chance field: the next multiple of `step` percent up or down (from 50%
 * when empty), within 1%..99% (a forecast of 0 or 100% scores worst of all when wrong).
 */
export function stepChance(current: ParsedChance, direction: 1 | -1, step = 5): number {
  const percent = current.kind === 'ok' ? current.value * 100 : 50 - direction * step;
  const next = direction > 0 ? Math.floor(percent / step + 1e-9) * step + step : Math.ceil(percent / step - 1e-9) * step - step;
  return Math.min(99, Math.max(1, next)) / 100;
}
