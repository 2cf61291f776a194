// The REST error codes the client knows: the server's own (one table, docs/protocol.md) pass through
// as they are; anything else becomes http_<status>, so code that switches on `code` stays exhaustive.
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/services/http';
import { fakeFetch } from '../../fixtures/calls';

describe('ApiError codes', () => {
  it.each([
    [404, 'not_found'],
    [405, 'method_not_allowed'],
    [409, 'conflict'],
    [429, 'rate_limited'],
  ] as const)('a %i with code %s keeps its code', async (status, code) => {
    const { fetchImpl } = fakeFetch({ 'POST /api/calls/c-1/undo': () => ({ status, body: { code, message: 'No.' } }) });
    const error = await new HttpClient('', fetchImpl).request('POST', '/api/calls/c-1/undo').catch((e: unknown) => e);
    expect(error).toMatchObject({ status, code, message: 'No.' });
  });

  it('a code the server does not define becomes http_<status>', async () => {
    const { fetchImpl } = fakeFetch({ 'GET /api/calls': () => ({ status: 418, body: { code: 'teapot', message: 'Short and stout.' } }) });
    const error = await new HttpClient('', fetchImpl).request('GET', '/api/calls').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 418, code: 'http_418', message: 'Short and stout.' });
  });
});
