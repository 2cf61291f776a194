import { SignInRequiredError, type TokenSource } from './http';
import {
  isServerEvent,
  type ActionFields,
  type ActionName,
  type ServerEvent,
  type ServerEventOf,
  type ServerEventType,
} from '../types/protocol';

/**
 * idle: never asked to connect · connecting: first attempt in flight · open · reconnecting: the
 * connection dropped (or an attempt failed) and another is scheduled or in flight · closed: given up
 * or `disconnect()`ed.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ReconnectPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Cap on the delay between retries. */
  maxDelayMs: number;
  /** Each failed attempt multiplies the delay by this. */
  factor: number;
  /** Up to this fraction of each delay is shaved off at random, so clients don't retry in lockstep. */
  jitter: number;
  /** After this many failed attempts in a row, stop and go `closed` (a new `connect()` starts over). */
  maxAttempts: number;
}

// Back quickly after an outage (the delay never exceeds 3 s), with jitter so clients spread out; a
// browser `online` or the tab coming back retries at once (`retryNow`).
export const DEFAULT_RECONNECT: ReconnectPolicy = {
  initialDelayMs: 300,
  maxDelayMs: 3_000,
  factor: 1.6,
  jitter: 0.2,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** The part of the browser's WebSocket this service uses (so tests can hand it a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface WebSocketServiceOptions {
  /** Defaults to the global `WebSocket`. */
  WebSocketImpl?: WebSocketFactory;
  /** `false` turns reconnecting off. */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** Source of randomness for jitter (tests pin it). */
  random?: () => number;
  /** A frame that is not a known JSON event, or a handler that threw. Defaults to console.warn. */
  onProtocolError?: (problem: string, detail: unknown) => void;
  /**
   * The access token for each new connection, sent as `?token=` (what both the local server and the
   * API Gateway authorizer accept; the server redacts it from its logs). Null: connect without one.
   */
  token?: TokenSource;
}

type Handler = (event: ServerEvent) => void;
type Deferred = { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void };

const OPEN = 1; // WebSocket.OPEN, without relying on a global in tests
const NORMAL_CLOSURE = 1000;
/** The server closes with 1008 (policy violation) when the access token expires mid-session. */
const POLICY_VIOLATION = 1008;

/** `url` with `token` added to its query string. */
export function withToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A connect() nobody awaits must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * One WebSocket to the CalledIt server, kept open: it reconnects with exponential backoff when the
 * connection drops, reports its state, and routes each JSON event to the handlers for its `type`.
 */
export class WebSocketService {
  private socket: WebSocketLike | null = null;
  private pending: Deferred | null = null;
  private readonly handlers = new Map<ServerEventType, Set<Handler>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private state: ConnectionState = 'idle';
  private wantOpen = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly WebSocketImpl: WebSocketFactory;
  private readonly policy: ReconnectPolicy | null;
  private readonly random: () => number;
  private readonly onProtocolError: (problem: string, detail: unknown) => void;
  private readonly token: TokenSource | undefined;
  /** The token of the current (or last) socket, and whether the server just refused it. */
  private tokenInUse: string | null = null;
  private tokenRefused = false;
  /** Immediate reconnects after an expired token, so a refused fresh token falls back to backoff. */
  private authRetries = 0;

  constructor(
    readonly url: string,
    options: WebSocketServiceOptions = {},
  ) {
    this.WebSocketImpl = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketFactory);
    this.policy = options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.random = options.random ?? Math.random;
    this.onProtocolError =
      options.onProtocolError ?? ((problem, detail) => console.warn(`CalledIt WebSocket: ${problem}`, detail));
    this.token = options.token;
  }

  /** Resolves once the connection is open; rejects if this attempt fails (retries continue). */
  connect(): Promise<void> {
    if (this.socket && this.socket.readyState === OPEN) return Promise.resolve();
    if (this.pending) return this.pending.promise;
    this.wantOpen = true;
    this.clearRetryTimer(); // someone is waiting: try now rather than at the next backoff tick
    return this.open();
  }

  /** Close for good: no reconnecting until `connect()` is called again. */
  disconnect(): void {
    this.wantOpen = false;
    this.clearRetryTimer();
    this.failures = 0;
    this.dropSocket(new Error('Disconnected.'));
    this.setState('closed');
  }

  /** Drop the current connection and open a fresh one now (a new socket carries no stale events). */
  reconnect(): Promise<void> {
    this.dropSocket(new Error('Reconnecting.'));
    this.wantOpen = true;
    this.clearRetryTimer();
    this.setState('reconnecting');
    return this.open();
  }

  /**
   * Waiting to reconnect: try now instead of at the next backoff tick (the browser came back online,
   * or the tab became visible). Does nothing while connected, connecting, or after `disconnect()`.
   */
  retryNow(): void {
    if (!this.wantOpen || this.socket || this.pending || this.retryTimer === null) return;
    this.clearRetryTimer();
    void this.open();
  }

  /** Send `{action, ...data}`, connecting first if needed. */
  async send<A extends ActionName>(action: A, data?: ActionFields<A>): Promise<void> {
    await this.connect();
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) {
      throw new Error('Not connected to the CalledIt server.');
    }
    socket.send(JSON.stringify({ action, ...data }));
  }

  /** Call `handler` for every event of this type. Returns a function that removes it. */
  onMessage<T extends ServerEventType>(type: T, handler: (event: ServerEventOf<T>) => void): () => void {
    const wrapped = handler as Handler;
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(wrapped);
    return () => {
      this.handlers.get(type)?.delete(wrapped);
    };
  }

  /** Remove one handler of this type, or all of them when `handler` is left out. */
  offMessage<T extends ServerEventType>(type: T, handler?: (event: ServerEventOf<T>) => void): void {
    if (handler) this.handlers.get(type)?.delete(handler as Handler);
    else this.handlers.delete(type);
  }

  /** How many handlers are registered (for one type, or in all): lets tests prove nothing leaks. */
  handlerCount(type?: ServerEventType): number {
    if (type) return this.handlers.get(type)?.size ?? 0;
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }

  getState(): ConnectionState {
    return this.state;
  }

  /** Call `listener` on every state change. Returns a function that removes it. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  // --- internals -----------------------------------------------------------------------------------

  private open(): Promise<void> {
    const pending = deferred();
    this.pending = pending;
    this.setState(this.failures > 0 || this.state === 'reconnecting' ? 'reconnecting' : 'connecting');
    if (!this.token) {
      this.openSocket(pending, this.url);
      return pending.promise;
    }
    // A token the server refused (expired mid-session, or the upgrade failed) is renewed first.
    const refused = this.tokenRefused ? this.tokenInUse : null;
    this.tokenRefused = false;
    this.token({ refused }).then(
      (token) => {
        if (this.pending !== pending) return; // disconnected or replaced while we waited
        this.tokenInUse = token;
        this.openSocket(pending, withToken(this.url, token));
      },
      (error: unknown) => {
        if (this.pending !== pending) return;
        this.pending = null;
        if (error instanceof SignInRequiredError) {
          // Nobody is signed in: retrying cannot help until someone is (then connect() again).
          this.wantOpen = false;
          pending.reject(error);
          this.setState('closed');
          return;
        }
        pending.reject(new Error(`Could not renew your sign-in: ${error instanceof Error ? error.message : String(error)}`));
        this.afterFailure();
      },
    );
    return pending.promise;
  }

  private openSocket(pending: Deferred, url: string): void {
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketImpl(url);
    } catch (error) {
      this.pending = null;
      pending.reject(new Error(`Cannot open a WebSocket to ${this.url}: ${String(error)}`));
      this.afterFailure();
      return;
    }
    this.socket = socket;

    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.failures = 0;
      this.authRetries = 0;
      this.pending = null;
      this.setState('open');
      pending.resolve();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket === socket) this.dispatch(event.data);
    };
    socket.onerror = () => {
      if (this.socket !== socket || this.pending !== pending) return; // after open, close follows
      // Failed before opening: let go of this socket (its close event no longer matters) and retry.
      // Browsers hide the HTTP status of a refused upgrade, so a token may be why: renew it first.
      this.detach(socket);
      this.socket = null;
      this.pending = null;
      this.tokenRefused = this.tokenInUse !== null;
      pending.reject(new Error('Could not connect to the CalledIt server.'));
      this.afterFailure();
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const opened = this.pending !== pending;
      if (!opened) {
        this.pending = null;
        pending.reject(new Error('The connection closed before it opened.'));
      }
      if (event?.code === POLICY_VIOLATION && this.tokenInUse !== null) {
        // The access token expired mid-session: renew it and reconnect at once (once; then back off).
        this.tokenRefused = true;
        if (opened && this.authRetries === 0 && this.wantOpen) {
          this.authRetries += 1;
          this.reconnectNow();
          return;
        }
      } else if (!opened) {
        this.tokenRefused = this.tokenInUse !== null;
      }
      this.afterFailure();
    };
  }

  /** Open a new connection right away (after an expired token), keeping `reconnecting` state. */
  private reconnectNow(): void {
    this.clearRetryTimer();
    this.setState('reconnecting');
    void this.open();
  }

  /** The socket failed or dropped: schedule the next attempt, or give up. */
  private afterFailure(): void {
    this.failures += 1;
    if (!this.wantOpen || !this.policy || this.failures > this.policy.maxAttempts) {
      this.setState('closed');
      return;
    }
    const { initialDelayMs, maxDelayMs, factor, jitter } = this.policy;
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** (this.failures - 1));
    const delay = Math.round(base * (1 - jitter * this.random()));
    this.setState('reconnecting');
    this.clearRetryTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wantOpen && !this.socket) void this.open();
    }, delay);
  }

  private dispatch(raw: unknown): void {
    let event: unknown;
    try {
      event = JSON.parse(String(raw));
    } catch {
      this.onProtocolError('ignored a frame that is not JSON', raw);
      return;
    }
    if (!isServerEvent(event)) {
      this.onProtocolError('ignored a frame that is not a known event', event);
      return;
    }
    // Copy: a handler may remove itself (or others) while we iterate.
    for (const handler of [...(this.handlers.get(event.type) ?? [])]) {
      try {
        handler(event);
      } catch (error) {
        this.onProtocolError(`a "${event.type}" handler threw`, error);
      }
    }
  }

  private dropSocket(reason: Error): void {
    const socket = this.socket;
    this.socket = null;
    if (this.pending) {
      this.pending.reject(reason);
      this.pending = null;
    }
    if (socket) {
      this.detach(socket);
      try {
        socket.close(NORMAL_CLOSURE);
      } catch {
        // already closing: nothing to do
      }
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onerror = null;
    socket.onclose = null;
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}
