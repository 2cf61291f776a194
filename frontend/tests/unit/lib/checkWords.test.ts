import { describe, expect, it } from 'vitest';
import type { ThresholdCheck } from '../../../src/api/types';
import { rewordCheck } from '../../../src/checkWords';

const level = {
  source: 'market', symbol: '^GSPC', variable: 'close', start: '2026-12-31', end: '2026-12-31',
  comparator: '>=', threshold: 6000, over: 'at_end', unit: null,
} as ThresholdCheck;
const change = {
  source: 'market', symbol: '^BSESN', variable: 'close', start: '2026-11-23', end: '2026-11-24',
  comparator: '>', threshold: 0, over: 'at_end', unit: null, change: true,
} as ThresholdCheck;

describe('rewordCheck', () => {
  it('rewrites the comparator and threshold a level check ends with', () => {
    const words = 'Yahoo Finance close of ^GSPC on Thu 31 Dec 2026 >= 6,000';
    expect(rewordCheck(words, level, { ...level, comparator: '<', threshold: 5500 } as ThresholdCheck))
      .toBe('Yahoo Finance close of ^GSPC on Thu 31 Dec 2026 < 5,500');
  });

  it('keeps the baseline day of a change check and words its new condition', () => {
    const words = 'Yahoo Finance close of ^BSESN on Tue 24 Nov 2026 higher than on Mon 23 Nov 2026';
    const lower = rewordCheck(words, change, { ...change, comparator: '<' } as ThresholdCheck);
    expect(lower).toBe('Yahoo Finance close of ^BSESN on Tue 24 Nov 2026 lower than on Mon 23 Nov 2026');
    const by = rewordCheck(lower, change, { ...change, comparator: '>=', threshold: 500 } as ThresholdCheck);
    expect(by).toBe('Yahoo Finance close of ^BSESN on Tue 24 Nov 2026 changed by >= 500 since Mon 23 Nov 2026');
  });

  it('leaves words it does not recognise alone', () => {
    expect(rewordCheck('Something else', change, { ...change, comparator: '<' } as ThresholdCheck)).toBe('Something else');
  });
});
