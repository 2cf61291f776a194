import { describe, expect, it } from 'vitest';
import { ApiError, CallsApi } from '../../../src/services/calls';
import { completeCall, fakeFetch, page, storedCall } from '../../fixtures/calls';

describe('CallsApi', () => {
  it('logs a call with the user confidence, as POST /api/calls', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'POST /api/calls': (body) => ({ status: 201, body: storedCall({ confidence: (body as { confidence: number }).confidence }) }),
    });
    const stored = await new CallsApi('', fetchImpl).create(completeCall, 0.7);
    expect(requests).toEqual([{ method: 'POST', url: '/api/calls', body: { ...completeCall, confidence: 0.7 } }]);
    expect(stored.id).toBe('c-1');
    expect(stored.confidence).toBe(0.7);
  });

  it('leaves confidence out when the user gave none', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'POST /api/calls': () => ({ status: 201, body: storedCall() }) });
    await new CallsApi('', fetchImpl).create(completeCall);
    expect(requests[0]?.body).toEqual(completeCall);
    expect(requests[0]?.body).not.toHaveProperty('confidence');
  });

  it('lists a page, passing the cursor back, against the configured base URL', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'GET https://api.example/api/calls?limit=5&cursor=abc%3D': () => ({ status: 200, body: page([storedCall()], 'next') }),
    });
    const result = await new CallsApi('https://api.example', fetchImpl).list({ limit: 5, cursor: 'abc=' });
    expect(result.next_cursor).toBe('next');
    expect(result.items).toHaveLength(1);
    expect(requests[0]?.url).toBe('https://api.example/api/calls?limit=5&cursor=abc%3D');
  });

  it('reads and deletes one call, escaping its id', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/calls/a%2Fb': () => ({ status: 200, body: storedCall({ id: 'a/b' }) }),
      'DELETE /api/calls/a%2Fb': () => ({ status: 204 }),
    });
    const api = new CallsApi('', fetchImpl);
    expect((await api.get('a/b')).id).toBe('a/b');
    await expect(api.remove('a/b')).resolves.toBeUndefined();
    expect(requests.map((r) => r.method)).toEqual(['GET', 'DELETE']);
  });

  it('shares a call, reads its share (null when not shared) and unshares it', async () => {
    const share = { url: 'https://x.example/c/abc', path: '/c/abc', slug: 'abc', show_confidence: true, shared_at: '2026-11-21T16:00:00+00:00' };
    let on = false;
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/calls/a%2Fb/share': () => (on ? { status: 200, body: share } : { status: 404, body: { code: 'not_found', message: 'Not shared.' } }),
      'POST /api/calls/a%2Fb/share': () => ((on = true), { status: 200, body: share }),
      'DELETE /api/calls/a%2Fb/share': () => ((on = false), { status: 204 }),
      'GET /api/calls/broken/share': () => ({ status: 500, body: { code: 'internal', message: 'Locked.' } }),
    });
    const api = new CallsApi('', fetchImpl);
    expect(await api.shared('a/b')).toBeNull();
    expect(await api.share('a/b', true)).toEqual(share);
    expect(requests.at(-1)).toMatchObject({ method: 'POST', body: { show_confidence: true } });
    expect(await api.shared('a/b')).toEqual(share);
    await expect(api.unshare('a/b')).resolves.toBeUndefined();
    expect(await api.shared('a/b')).toBeNull();
    await expect(api.shared('broken')).rejects.toMatchObject({ status: 500, message: 'Locked.' }); // only 404 means "not shared"
  });

  it('turns {"code","message"} errors into ApiError', async () => {
    const { fetchImpl } = fakeFetch({
      'GET /api/calls/missing': () => ({ status: 404, body: { code: 'not_found', message: 'No call missing.' } }),
    });
    const error = await new CallsApi('', fetchImpl).get('missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'No call missing.' });
  });

  it('explains an error without a JSON body, and a network failure', async () => {
    const api = new CallsApi('', async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.list()).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'The server answered 502 Bad Gateway.' });
    const offline = new CallsApi('', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(offline.list()).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
