import { describe, expect, it, vi } from 'vitest';
import { ApiError, HttpClient, SignInRequiredError } from '../../../src/services/http';
import { fakeFetch } from '../../fixtures/calls';

describe('HttpClient', () => {
  it('sends no Authorization header without a token source, or when the source says none is needed', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'GET /api/stats': () => ({ status: 200, body: {} }) });
    await new HttpClient('', fetchImpl).request('GET', '/api/stats');
    await new HttpClient('', fetchImpl, async () => null).request('GET', '/api/stats');
    expect(requests.map((r) => r.authorization)).toEqual([undefined, undefined]);
  });

  it('sends the access token as a bearer token', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'GET /api/stats': () => ({ status: 200, body: {} }) });
    await new HttpClient('', fetchImpl, async () => 'tok-1').request('GET', '/api/stats');
    expect(requests[0]?.authorization).toBe('Bearer tok-1');
  });

  it('on a 401, asks for a token other than the refused one and retries once', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/calls/c-1': (_body, request) =>
        request.authorization === 'Bearer fresh'
          ? { status: 200, body: { id: 'c-1' } }
          : { status: 401, body: { code: 'unauthorized', message: 'Your token has expired.' } },
    });
    const tokens = vi.fn(async (options?: { refused?: string | null }) => (options?.refused ? 'fresh' : 'stale'));
    const result = await new HttpClient('', fetchImpl, tokens).request<{ id: string }>('GET', '/api/calls/c-1');
    expect(result.id).toBe('c-1');
    expect(tokens.mock.calls.map((call) => call[0])).toEqual([{ refused: null }, { refused: 'stale' }]);
    expect(requests.map((r) => r.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
  });

  it('gives up on a second 401, and does not retry when no other token is to be had', async () => {
    const { fetchImpl, requests } = fakeFetch({
      'GET /api/due': () => ({ status: 401, body: { code: 'unauthorized', message: 'Signed out.' } }),
    });
    const client = new HttpClient('', fetchImpl, async () => 'same');
    await expect(client.request('GET', '/api/due')).rejects.toMatchObject({ status: 401, message: 'Signed out.' });
    expect(requests).toHaveLength(1);
  });

  it('turns "sign in first" from the token source into a 401 ApiError, without calling the server', async () => {
    const { fetchImpl, requests } = fakeFetch({});
    const client = new HttpClient('', fetchImpl, async () => {
      throw new SignInRequiredError('Sign in first.');
    });
    const error = await client.request('GET', '/api/due').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: 'Sign in first.' });
    expect(requests).toHaveLength(0);
  });

  it('a token source that cannot reach the server is a network error', async () => {
    const client = new HttpClient('', fakeFetch({}).fetchImpl, async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(client.request('GET', '/api/due')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('auth: false leaves the token out (sign-in requests)', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'POST /api/auth/token': () => ({ status: 200, body: {} }) });
    const tokens = vi.fn(async () => 'tok');
    await new HttpClient('', fetchImpl, tokens).request('POST', '/api/auth/token', { grant_type: 'password' }, { auth: false });
    expect(tokens).not.toHaveBeenCalled();
    expect(requests[0]?.authorization).toBeUndefined();
  });
});
