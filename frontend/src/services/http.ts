/** The REST client every API class shares: JSON in and out, `{code, message}` errors, bearer tokens. */

import { ERROR_CODES, type ErrorCode } from '../types/protocol';

/**
 * The server's error codes (docs/protocol.md), or the client's own: `network` (no answer), `bad_response`
 * (an unreadable one), `http_<status>` (an error without a known code, e.g. from a proxy).
 */
export type ApiErrorCode = ErrorCode | 'network' | 'bad_response' | `http_${number}`;

function isErrorCode(code: unknown): code is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code);
}

/** An HTTP error from the API (`{"code", "message"}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Thrown by a token source when nobody is signed in: stop, don't retry, ask the user to sign in. */
export class SignInRequiredError extends Error {
  constructor(message = 'Sign in first.') {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Where requests get their access token. Resolves to the token, or null when the server needs none
 * (CALLEDIT_AUTH=none). `refused` is a token the server just turned down: the source returns a
 * different (renewed) one. Rejects with SignInRequiredError when the user must sign in.
 */
export type TokenSource = (options?: { refused?: string | null }) => Promise<string | null>;

export interface RequestOptions {
  /** Send the access token (default true when the client has a token source). */
  auth?: boolean;
  /** Extra headers, e.g. a bearer token given explicitly. */
  headers?: Record<string, string>;
  /** Send `body` as it is (a file's text) with this Content-Type, instead of as JSON. */
  contentType?: string;
  /** Return the answer as text (a download) instead of parsing JSON. */
  text?: boolean;
}

/** A download: the answer's text, its type, and the file name the server suggests. */
export interface Download {
  text: string;
  type: string;
  filename: string | null;
}

export class HttpClient {
  private readonly fetchImpl: FetchLike;

  /** `baseUrl` '' means the page's own origin (the server that served the UI). */
  constructor(
    readonly baseUrl = '',
    fetchImpl?: FetchLike,
    private readonly tokens?: TokenSource,
  ) {
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * One request; a 401 to a request that carried a token is retried once with a fresh token (the
   * access token expired or was renewed in another tab), so callers never see a routine expiry.
   */
  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const useToken = options.auth !== false && this.tokens !== undefined;
    const token = useToken ? await this.token(null) : null;
    try {
      return await this.send<T>(method, path, body, token, options);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || token === null) throw error;
      const renewed = await this.token(token);
      if (renewed === null || renewed === token) throw error;
      return this.send<T>(method, path, body, renewed, options);
    }
  }

  /** GET a file (an export): its text, type and suggested name; errors as for `request`. */
  download(path: string): Promise<Download> {
    return this.request<Download>('GET', path, undefined, { text: true });
  }

  private async token(refused: string | null): Promise<string | null> {
    try {
      return await this.tokens!({ refused });
    } catch (error) {
      if (error instanceof SignInRequiredError) throw new ApiError(401, 'unauthorized', error.message);
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
    }
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    token: string | null,
    options: RequestOptions,
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: options.text ? '*/*' : 'application/json', ...options.headers };
    if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : options.contentType ? String(body) : JSON.stringify(body),
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
    if (options.text && response.ok) {
      const disposition = response.headers.get('Content-Disposition') ?? '';
      const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
      const download: Download = { text, type: response.headers.get('Content-Type') ?? 'application/octet-stream', filename };
      return download as T;
    }
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
        isErrorCode(problem.code) ? problem.code : `http_${response.status}`,
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
