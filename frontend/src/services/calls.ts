import type { CallContent, CallPage, StoredCall } from '../types/protocol';

/** An HTTP error from the API (`{"code", "message"}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The REST API under `/api/calls`: log, list, read and delete calls. */
export class CallsApi {
  private readonly fetchImpl: FetchLike;

  /** `baseUrl` '' means the page's own origin (the server that served the UI). */
  constructor(
    private readonly baseUrl = '',
    fetchImpl?: FetchLike,
  ) {
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Log a call as the `complete` event carried it, with the user's own confidence (0–1) if given. */
  create(call: CallContent, confidence?: number | null): Promise<StoredCall> {
    const body = confidence === undefined || confidence === null ? call : { ...call, confidence };
    return this.request<StoredCall>('POST', '/api/calls', body);
  }

  /** One page, newest first; pass `next_cursor` back as `cursor` for the next. */
  list(options: { limit?: number; cursor?: string | null } = {}): Promise<CallPage> {
    const query = new URLSearchParams();
    query.set('limit', String(options.limit ?? 20));
    if (options.cursor) query.set('cursor', options.cursor);
    return this.request<CallPage>('GET', `/api/calls?${query.toString()}`);
  }

  get(id: string): Promise<StoredCall> {
    return this.request<StoredCall>('GET', `/api/calls/${encodeURIComponent(id)}`);
  }

  async remove(id: string): Promise<void> {
    await this.request<null>('DELETE', `/api/calls/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { Accept: 'application/json' } : {
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(
        0,
        'network',
        `Could not reach the server (${error instanceof Error ? error.message : String(error)}). Check your connection and try again.`,
      );
    }
    if (response.status === 204) return null as T;
    const text = await response.text();
    let payload: unknown = null;
    if (text) {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = null;
      }
    }
    if (!response.ok) {
      const problem = (payload ?? {}) as { code?: unknown; message?: unknown };
      throw new ApiError(
        response.status,
        typeof problem.code === 'string' ? problem.code : `http_${response.status}`,
        typeof problem.message === 'string' && problem.message
          ? problem.message
          : `The server answered ${response.status} ${response.statusText}`.trim() + '.',
      );
    }
    if (payload === null) {
      throw new ApiError(response.status, 'bad_response', 'The server sent an unreadable answer.');
    }
    return payload as T;
  }
}
