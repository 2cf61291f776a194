// The TypeScript protocol types against the JSON Schemas the backend exports from its Pydantic
// models (docs/schema/). Typed samples must validate, near-misses must not, and the enumerations
// must match, so the two sides cannot drift apart silently.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  CALL_STATUSES,
  ERROR_CODES,
  VERDICT_OUTCOMES,
  VERIFIABLE_CATEGORIES,
  VERIFICATION_MODES,
  type CallCreate,
  type ClientAction,
  type ServerEvent,
} from '../../../src/types/protocol';
import { completeCall, storedCall, verdict } from '../../fixtures/calls';

type Schema = { $defs?: Record<string, { enum?: string[] }>; properties?: Record<string, unknown> };

const files = import.meta.glob<Schema>('../../../../docs/schema/*.schema.json', { eager: true, import: 'default' });
const schemas = Object.fromEntries(
  Object.entries(files).map(([path, schema]) => [path.split('/').pop()!.replace('.schema.json', ''), schema]),
);
const needed = ['client-actions', 'server-events', 'call', 'call-content', 'call-create'];
const present = needed.every((name) => name in schemas);

function validator(name: string) {
  // strict: false — Pydantic adds OpenAPI's `discriminator`, which Ajv need not enforce (oneOf does).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schemas[name]!);
  return (value: unknown) => {
    const ok = validate(value);
    return ok ? 'valid' : ajv.errorsText(validate.errors);
  };
}

describe.skipIf(!present)('protocol types match docs/schema', () => {
  it('client actions', () => {
    const check = validator('client-actions');
    const samples: ClientAction[] = [
      { action: 'makecall', prompt: 'The Lakers will win tonight', timezone: 'America/Los_Angeles' },
      { action: 'makecall', prompt: 'x' },
      { action: 'cancel' },
      { action: 'ping' },
    ];
    for (const sample of samples) expect(check(sample), JSON.stringify(sample)).toBe('valid');
    expect(check({ action: 'makecall', prompt: '' })).not.toBe('valid');
    expect(check({ action: 'makecall', prompt: 'x'.repeat(2001) })).not.toBe('valid');
    expect(check({ action: 'explode' })).not.toBe('valid');
  });

  it('server events, one of each type', () => {
    const check = validator('server-events');
    const samples: ServerEvent[] = [
      { type: 'status', status: 'processing', message: 'Working on your prediction' },
      { type: 'status', status: 'queued', position: 2, message: 'You are number 2 in line' },
      { type: 'status', status: 'complete' },
      { type: 'text', content: '{"prediction_statement": "The' },
      { type: 'tool', name: 'current_time', input: { timezone: 'Europe/Paris' } },
      { type: 'call', call: { prediction_statement: 'The Lakers win.', verification_method: { source: ['NBA.com'] } } },
      { type: 'complete', content: completeCall },
      { type: 'verdict', call_id: 'c-1', verdict },
      {
        type: 'notification',
        unread: 3,
        notification: {
          id: 'verdict:h-1',
          kind: 'verdict',
          call_id: 'c-1',
          title: 'Your call was confirmed: Rain in Paris.',
          body: 'The agent checked your call: confirmed: you called it.',
          created_at: '2026-12-01T07:32:00+00:00',
          read_at: null,
        },
      },
      { type: 'error', code: 'rate_limited', message: 'Slow down.', retry_after: 3 },
      { type: 'error', code: 'cancelled', message: 'Cancelled.' },
      { type: 'pong' },
    ];
    for (const sample of samples) expect(check(sample), JSON.stringify(sample)).toBe('valid');
    expect(check({ type: 'error', code: 'oops', message: 'x' })).not.toBe('valid');
    expect(check({ type: 'status', status: 'queued', position: 0 })).not.toBe('valid');
    expect(check({ type: 'notification', unread: -1, notification: { id: 'n', kind: 'verdict', title: 't', body: 'b', created_at: '2026-12-01T07:32:00+00:00' } })).not.toBe('valid');
    expect(check({ type: 'notification', unread: 1, notification: { id: 'n', kind: 'shout', title: 't', body: 'b', created_at: '2026-12-01T07:32:00+00:00' } })).not.toBe('valid');
    expect(check({ type: 'complete', content: { ...completeCall, verifiability_score: 1.5 } })).not.toBe('valid');
  });

  it('the call: as completed, as logged (with confidence), and as stored', () => {
    expect(validator('call-content')(completeCall)).toBe('valid');
    const body: CallCreate = { ...completeCall, confidence: 0.7 };
    expect(validator('call-create')(body)).toBe('valid');
    const check = validator('call');
    expect(check(storedCall())).toBe('valid');
    expect(check(storedCall({ status: 'verified', confidence: 0.6, verdict }))).toBe('valid');
    expect(check({ ...storedCall(), surprise: true })).not.toBe('valid');
  });

  it('the TypeScript call has exactly the fields of the schema', () => {
    expect(Object.keys(completeCall).sort()).toEqual(Object.keys(schemas['call-content']!.properties!).sort());
    expect(Object.keys(storedCall()).sort()).toEqual(Object.keys(schemas.call!.properties!).sort());
  });

  it('the enumerations are the same', () => {
    const defs = { ...schemas['server-events']!.$defs, ...schemas.call!.$defs };
    expect([...ERROR_CODES]).toEqual(defs.ErrorCode?.enum);
    expect([...VERIFIABLE_CATEGORIES]).toEqual(defs.VerifiableCategory?.enum);
    expect([...VERIFICATION_MODES]).toEqual(defs.VerificationMode?.enum);
    expect([...CALL_STATUSES]).toEqual(defs.CallStatus?.enum);
    expect([...VERDICT_OUTCOMES]).toEqual(defs.VerdictOutcome?.enum);
  });
});

describe('docs/schema', () => {
  it.skipIf(present)('is missing: the schema checks above were skipped', () => {
    console.warn(`docs/schema lacks some of ${needed.join(', ')}: run the backend's schema export.`);
  });
});
