import { describe, expect, it } from 'vitest';
import { categoryLabel, formatRelative, outcomeOf, readable, readableNote } from '../../../src/format';
import { storedCall, verdict } from '../../fixtures/calls';

const now = Date.parse('2026-11-21T12:00:00Z');

describe('outcomeOf: one vocabulary', () => {
  it('takes the server’s outcome when the call has one', () => {
    expect(outcomeOf(storedCall({ outcome: 'waiting_for_you' }), now)).toBe('waiting_for_you');
  });
  it('otherwise follows the same rule', () => {
    expect(outcomeOf(storedCall({ status: 'verified', verdict }), now)).toBe('called_it');
    expect(outcomeOf(storedCall({ status: 'verified', verdict: { ...verdict, verdict: 'refuted' } }), now)).toBe('missed_it');
    expect(outcomeOf(storedCall({ status: 'void' }), now)).toBe('void');
    expect(outcomeOf(storedCall({ verification_date: '2026-11-22T00:00:00Z' }), now)).toBe('checking');
    expect(outcomeOf(storedCall({ verification_date: '2026-11-20T00:00:00Z', status: 'inconclusive' }), now)).toBe('waiting_for_you');
    expect(outcomeOf(storedCall({ verification_date: '2026-11-20T00:00:00Z', verifiable_category: 'human_verifiable_only' }), now)).toBe('waiting_for_you');
  });
});

describe('no machine text', () => {
  it('ISO timestamps and days in reasons become dates in the user’s zone', () => {
    const text = readable('deadline 2026-12-31T23:59:00-05:00, started 2026-11-01', 'Europe/Paris');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(text).toMatch(/1 Jan 2027|Jan 1, 2027/); // 23:59 in New York is 05:59 the next day in Paris
    expect(text).toMatch(/1 Nov 2026|Nov 1, 2026/);
  });
  it('slugs become words', () => {
    expect(readable('it is api_tool_verifiable')).toBe('it is needs outside data');
    expect(categoryLabel('api_tool_verifiable')).toBe('Needs outside data');
    expect(categoryLabel('brand_new_kind')).toBe('brand new kind');
  });
  it('"1 tool uses: current_time" → words', () => {
    expect(readableNote('1 tool uses: current_time')).toBe('The agent used 1 tool: the clock.');
    expect(readableNote('3 tool uses: current_time, current_time, web_search')).toBe('The agent used 3 tools: the clock, a web search.');
  });
  it('relative dates', () => {
    expect(formatRelative('2026-11-24T12:00:00Z', now, 'en')).toBe('in 3 days');
    expect(formatRelative('2026-11-21T10:00:00Z', now, 'en')).toBe('2 hours ago');
  });
});
