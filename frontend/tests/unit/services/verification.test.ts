import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/services/http';
import { VerificationApi } from '../../../src/services/verification';
import { fakeFetch, storedCall } from '../../fixtures/calls';
import { history, ownerVerdict, trackRecord } from '../../fixtures/verification';

function api(routes: Parameters<typeof fakeFetch>[0]) {
  const { fetchImpl, requests } = fakeFetch(routes);
  return { verification: new VerificationApi(new HttpClient('', fetchImpl)), requests };
}

describe('VerificationApi', () => {
  it('resolves by hand, with a note when there is one (trimmed), escaping the id', async () => {
    const resolved = storedCall({ id: 'a/b', status: 'verified', verdict: ownerVerdict('confirmed') });
    const { verification, requests } = api({ 'POST /api/calls/a%2Fb/resolve': () => ({ status: 200, body: resolved }) });
    expect((await verification.resolve('a/b', 'confirmed', '  I watched it.  ')).status).toBe('verified');
    await verification.resolve('a/b', 'void', '   ');
    await verification.resolve('a/b', 'refuted');
    expect(requests.map((r) => r.body)).toEqual([
      { resolution: 'confirmed', note: 'I watched it.' },
      { resolution: 'void' },
      { resolution: 'refuted' },
    ]);
  });

  it('undoes, sets and clears my confidence (PATCH), reads the history and asks for a check', async () => {
    const { verification, requests } = api({
      'POST /api/calls/c-1/undo': () => ({ status: 200, body: storedCall() }),
      'PATCH /api/calls/c-1': (body) => ({ status: 200, body: storedCall(body as { confidence: number | null }) }),
      'GET /api/calls/c-1/history': () => ({ status: 200, body: history() }),
      'POST /api/calls/c-1/check': () => ({ status: 202, body: history([], '2026-11-21T10:00:00Z') }),
    });
    await verification.undo('c-1');
    expect((await verification.setConfidence('c-1', 0.35)).confidence).toBe(0.35);
    expect((await verification.setConfidence('c-1', null)).confidence).toBeNull();
    expect((await verification.history('c-1')).changes).toEqual([]);
    expect((await verification.checkNow('c-1')).next_check_at).toBe('2026-11-21T10:00:00Z');
    expect(requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body ?? null)}`)).toEqual([
      'POST /api/calls/c-1/undo null',
      'PATCH /api/calls/c-1 {"confidence":0.35}',
      'PATCH /api/calls/c-1 {"confidence":null}',
      'GET /api/calls/c-1/history null',
      'POST /api/calls/c-1/check null',
    ]);
  });

  it('reads the calls due for me and my track record', async () => {
    const { verification } = api({
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [storedCall({ id: 'due-1' })] } }),
      'GET /api/stats': () => ({ status: 200, body: trackRecord() }),
    });
    expect((await verification.due()).items.map((call) => call.id)).toEqual(['due-1']);
    expect((await verification.stats()).brier).toBe(0.1234);
  });

  it('passes on the server\'s {code, message}: nothing left to undo', async () => {
    const { verification } = api({
      'POST /api/calls/c-1/undo': () => ({
        status: 409,
        body: { code: 'error', message: 'Nothing to undo: this call has no change left in its history.' },
      }),
    });
    await expect(verification.undo('c-1')).rejects.toMatchObject({ status: 409, message: /Nothing to undo/ });
  });
});
