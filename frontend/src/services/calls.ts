import type {
  ApiToken,
  CallFilters,
  CallPage,
  CallPatch,
  CreatedToken,
  ExportFormat,
  ImportFormat,
  ImportReport,
  SharedCall,
  StoredCall,
} from '../api/types';
import type { CallContent } from '../types/protocol';
import { ApiError, HttpClient, type Download, type FetchLike, type TokenSource } from './http';

export { ApiError, type FetchLike } from './http';

/** The query string of `GET /api/calls` for these filters (empty ones left out). */
export function callsQuery(filters: CallFilters & { limit?: number; cursor?: string | null }): string {
  const query = new URLSearchParams();
  query.set('limit', String(filters.limit ?? 20));
  if (filters.cursor) query.set('cursor', filters.cursor);
  for (const key of ['q', 'tag', 'status', 'category', 'due_before', 'due_after', 'sort'] as const) {
    const value = filters[key]?.trim();
    if (value) query.set(key, value);
  }
  return query.toString();
}

/** The REST API for your calls: log, list and search, read, change, delete; export, import; tokens. */
export class CallsApi {
  readonly http: HttpClient;

  /** `baseUrl` '' means the page's own origin (the server that served the UI). */
  constructor(baseUrl = '', fetchImpl?: FetchLike, tokens?: TokenSource) {
    this.http = new HttpClient(baseUrl, fetchImpl, tokens);
  }

  /** Log a call as the `complete` event carried it (maybe edited), with your chance (0–1) and tags. */
  create(call: CallContent, confidence?: number | null, tags?: string[]): Promise<StoredCall> {
    const body: Record<string, unknown> = { ...call };
    if (confidence !== undefined && confidence !== null) body.confidence = confidence;
    if (tags && tags.length > 0) body.tags = tags;
    return this.http.request<StoredCall>('POST', '/api/calls', body);
  }

  /** One page; pass `next_cursor` back as `cursor` for the next. */
  list(options: CallFilters & { limit?: number; cursor?: string | null } = {}): Promise<CallPage> {
    return this.http.request<CallPage>('GET', `/api/calls?${callsQuery(options)}`);
  }

  get(id: string): Promise<StoredCall> {
    return this.http.request<StoredCall>('GET', callPath(id));
  }

  /** Change tags, your chance, or (until it is verified) the statement, date, method and check. */
  update(id: string, patch: CallPatch): Promise<StoredCall> {
    return this.http.request<StoredCall>('PATCH', callPath(id), patch);
  }

  async remove(id: string): Promise<void> {
    await this.http.request<null>('DELETE', callPath(id));
  }

  /** Where the call is shared, or null when it is not (the server answers 404 then). */
  async shared(id: string): Promise<SharedCall | null> {
    try {
      return await this.http.request<SharedCall>('GET', `${callPath(id)}/share`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Share it at a public address (again: the same address, with these options). */
  share(id: string, showConfidence: boolean): Promise<SharedCall> {
    return this.http.request<SharedCall>('POST', `${callPath(id)}/share`, { show_confidence: showConfidence });
  }

  /** Stop sharing: the public page answers 404 from now on; sharing again makes a new address. */
  async unshare(id: string): Promise<void> {
    await this.http.request<null>('DELETE', `${callPath(id)}/share`);
  }

  /** Every call of yours as a file (JSON carries the history too). */
  export(format: ExportFormat): Promise<Download> {
    return this.http.download(`/api/export?format=${format}`);
  }

  /** A file from this app's JSON export or Fatebook's CSV export; importing it twice adds nothing. */
  import(format: ImportFormat, text: string): Promise<ImportReport> {
    const type = format === 'fatebook' ? 'text/csv' : 'application/json';
    return this.http.request<ImportReport>('POST', `/api/import?format=${format}`, text, { contentType: type });
  }

  async tokens(): Promise<ApiToken[]> {
    const answer = await this.http.request<ApiToken[] | { items: ApiToken[] }>('GET', '/api/tokens');
    return Array.isArray(answer) ? answer : answer.items;
  }

  createToken(name: string, expiresInDays?: number | null): Promise<CreatedToken> {
    const body = expiresInDays ? { name, expires_in_days: expiresInDays } : { name };
    return this.http.request<CreatedToken>('POST', '/api/tokens', body);
  }

  async revokeToken(id: string): Promise<void> {
    await this.http.request<null>('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
  }
}

function callPath(id: string): string {
  return `/api/calls/${encodeURIComponent(id)}`;
}
