import type { CallContent, CallPage, StoredCall } from '../types/protocol';
import { HttpClient, type FetchLike, type TokenSource } from './http';

export { ApiError, type FetchLike } from './http';

/** The REST API under `/api/calls`: log, list, read and delete calls. */
export class CallsApi {
  readonly http: HttpClient;

  /** `baseUrl` '' means the page's own origin (the server that served the UI). */
  constructor(baseUrl = '', fetchImpl?: FetchLike, tokens?: TokenSource) {
    this.http = new HttpClient(baseUrl, fetchImpl, tokens);
  }

  /** Log a call as the `complete` event carried it, with the user's own confidence (0–1) if given. */
  create(call: CallContent, confidence?: number | null): Promise<StoredCall> {
    const body = confidence === undefined || confidence === null ? call : { ...call, confidence };
    return this.http.request<StoredCall>('POST', '/api/calls', body);
  }

  /** One page, newest first; pass `next_cursor` back as `cursor` for the next. */
  list(options: { limit?: number; cursor?: string | null } = {}): Promise<CallPage> {
    const query = new URLSearchParams();
    query.set('limit', String(options.limit ?? 20));
    if (options.cursor) query.set('cursor', options.cursor);
    return this.http.request<CallPage>('GET', `/api/calls?${query.toString()}`);
  }

  get(id: string): Promise<StoredCall> {
    return this.http.request<StoredCall>('GET', `/api/calls/${encodeURIComponent(id)}`);
  }

  async remove(id: string): Promise<void> {
    await this.http.request<null>('DELETE', `/api/calls/${encodeURIComponent(id)}`);
  }
}
