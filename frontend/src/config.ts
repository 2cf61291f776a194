/** Where the UI finds the server. Same origin by default, so the UI served by `calledit serve` just works. */

export interface LocationLike {
  protocol: string;
  host: string;
}

/**
 * The WebSocket URL: `VITE_WEBSOCKET_URL` (the seeds' `REACT_APP_WEBSOCKET_URL` also works), else
 * the page's own origin at `/ws`, with `wss:` on an `https:` page and `ws:` otherwise. A configured
 * path such as `/ws` is resolved against the page's origin too.
 */
export function resolveWebSocketUrl(configured: string | undefined, location: LocationLike): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const value = configured?.trim();
  if (!value) return `${scheme}//${location.host}/ws`;
  if (value.startsWith('/')) return `${scheme}//${location.host}${value}`;
  return value;
}

/** The REST base URL: `VITE_API_URL` (or the seeds' `REACT_APP_API_URL`), else '' (same origin). */
export function resolveApiBaseUrl(configured: string | undefined): string {
  return (configured?.trim() ?? '').replace(/\/+$/, '');
}

export function webSocketUrlFromEnv(): string {
  const env = import.meta.env;
  return resolveWebSocketUrl(env.VITE_WEBSOCKET_URL ?? env.REACT_APP_WEBSOCKET_URL, window.location);
}

export function apiBaseUrlFromEnv(): string {
  const env = import.meta.env;
  return resolveApiBaseUrl(env.VITE_API_URL ?? env.REACT_APP_API_URL);
}
