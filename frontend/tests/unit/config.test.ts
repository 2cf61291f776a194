import { describe, expect, it } from 'vitest';
import { resolveApiBaseUrl, resolveWebSocketUrl } from '../../src/config';
import { formatDateTime, formatPercent, modeLabel } from '../../src/format';
import { parseRoute } from '../../src/route';

describe('resolveWebSocketUrl', () => {
  it('defaults to /ws on the page origin, ws: on http and wss: on https', () => {
    expect(resolveWebSocketUrl(undefined, { protocol: 'http:', host: 'localhost:8000' })).toBe('ws://localhost:8000/ws');
    expect(resolveWebSocketUrl('', { protocol: 'https:', host: 'calledit.example' })).toBe('wss://calledit.example/ws');
  });

  it('uses the configured URL, resolving a bare path against the origin', () => {
    const page = { protocol: 'https:', host: 'app.example' };
    expect(resolveWebSocketUrl('wss://abc.execute-api.eu-west-1.amazonaws.com/prod', page)).toBe(
      'wss://abc.execute-api.eu-west-1.amazonaws.com/prod',
    );
    expect(resolveWebSocketUrl('/socket', page)).toBe('wss://app.example/socket');
  });

  it('API base URL: same origin by default, no trailing slash', () => {
    expect(resolveApiBaseUrl(undefined)).toBe('');
    expect(resolveApiBaseUrl('https://api.example/prod/')).toBe('https://api.example/prod');
  });
});

describe('formatting', () => {
  it('shows a date in the given timezone and locale, with the zone name', () => {
    const text = formatDateTime('2026-11-21T23:59:00-08:00', { timeZone: 'Europe/Paris', locale: 'en-GB' });
    expect(text).toMatch(/^Sunday,? 22 November 2026 at 08:59 \(CET\)$/); // ICU versions differ on the comma
    const la = formatDateTime('2026-11-21T23:59:00-08:00', { timeZone: 'America/Los_Angeles', locale: 'en-US' });
    expect(la).toContain('November 21, 2026');
  });

  it('shows unparseable dates as they came', () => {
    expect(formatDateTime('next Tuesday')).toBe('next Tuesday');
  });

  it('percent and mode labels', () => {
    expect(formatPercent(0.855)).toBe('86%');
    expect(formatPercent(1.2)).toBe('100%');
    expect(modeLabel('recurring', 'weekly')).toBe('Recurring (weekly)');
    expect(modeLabel('before_date', null)).toBe('Must happen by the date');
  });
});

describe('routes', () => {
  it('parses the hash', () => {
    expect(parseRoute('')).toEqual({ name: 'predict' });
    expect(parseRoute('#/')).toEqual({ name: 'predict' });
    expect(parseRoute('#/calls')).toEqual({ name: 'calls' });
    expect(parseRoute('#/calls/abc%2F1')).toEqual({ name: 'call', id: 'abc/1' });
    expect(parseRoute('#/nowhere')).toEqual({ name: 'predict' });
    expect(parseRoute('#/record')).toEqual({ name: 'record' });
    expect(parseRoute('#/signin')).toEqual({ name: 'signin' });
    expect(parseRoute('#/signup/')).toEqual({ name: 'signup' });
    expect(parseRoute('#/calls/50%')).toEqual({ name: 'call', id: '50%' }); // not a valid escape: as typed
  });
});
