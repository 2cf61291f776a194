import { ApiError, HttpClient, SignInRequiredError, type FetchLike } from './http';

/**
 * Who is signed in, per the server's CALLEDIT_AUTH (GET /api/auth/config):
 *
 * - `none`: one local user, no tokens, no auth UI.
 * - `local`: accounts on this server. The access token (15 min by default) lives in memory only; the
 *   refresh token is kept in localStorage so every tab and a restart share one session (and a link
 *   opened in a new tab is signed in). Refresh tokens rotate and reusing a spent one signs the whole
 *   session out, so refreshes are serialised across tabs with the Web Locks API and each reads the
 *   newest refresh token from storage first. Signing out in one tab signs out the others (storage event).
 * - `oidc`: an identity provider issues the tokens; this UI only accepts a pasted access token, held
 *   in memory for this tab (see README), and drops it once the server refuses it.
 */

export type AuthMode = 'none' | 'local' | 'oidc';

/** `GET /api/auth/config`: how to sign in (never a secret). */
export interface AuthConfig {
  mode: AuthMode;
  token_url?: string;
  signup_url?: string;
  /** Seconds an access token lives (local). */
  access_token_ttl?: number;
  /** Whether anyone may create an account (local; CALLEDIT_SIGNUP). */
  signup?: boolean;
  /** The identity provider (oidc). */
  issuer?: string;
  audience?: string | null;
}

export interface AuthUser {
  id: string;
  username: string | null;
}

export type AuthState =
  | { status: 'loading' }
  /** The config could not be read: the server is unreachable. */
  | { status: 'unavailable'; message: string }
  /** CALLEDIT_AUTH=none: nothing to sign in to. */
  | { status: 'off' }
  | { status: 'signed-out'; config: AuthConfig; notice: string | null }
  | { status: 'signed-in'; config: AuthConfig; user: AuthUser };

/** `POST /api/auth/signup` and `/api/auth/token`. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: AuthUser;
}

/** `GET /api/auth/me`. */
export interface Me {
  id: string;
  username: string | null;
  mode: AuthMode;
  expires_at: number | null;
}

interface StoredSession {
  refresh_token: string;
  /** Epoch ms. */
  refresh_expires_at: number;
  user: AuthUser;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

type EventTargetLike = Pick<Window, 'addEventListener' | 'removeEventListener'>;

export interface AuthServiceOptions {
  fetchImpl?: FetchLike;
  /** Where the refresh token is kept (default localStorage); null keeps it in memory only. */
  storage?: StorageLike | null;
  /** Serialises refreshes across tabs (default navigator.locks when the browser has it). */
  locks?: LockManagerLike | null;
  /** Storage events from other tabs (default window); null ignores them. */
  events?: EventTargetLike | null;
  now?: () => number;
  /** Renew the access token this long before it expires (default 60 s; at most a fifth of its life). */
  renewMarginMs?: number;
}

export const SESSION_KEY = 'calledit.session';
const LOCK_NAME = 'calledit-refresh';
/** An access token this close to expiry is renewed before use (clock skew, request time). */
const EXPIRY_SKEW_MS = 10_000;

function defaultStorage(): StorageLike | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy settings): the session lasts as long as the page
  }
}

function defaultLocks(): LockManagerLike | null {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  return locks && typeof locks.request === 'function' ? locks : null;
}

export class AuthService {
  private state: AuthState = { status: 'loading' };
  private access: { token: string; expiresAt: number } | null = null;
  /** When storage is unavailable, the session lives here. */
  private memorySession: StoredSession | null = null;
  private refreshing: Promise<string> | null = null;
  private starting: Promise<void> | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly renewListeners = new Set<() => void>();
  private readonly http: HttpClient;
  private readonly storage: StorageLike | null;
  private readonly locks: LockManagerLike | null;
  private readonly events: EventTargetLike | null;
  private readonly now: () => number;
  private readonly renewMarginMs: number;

  constructor(baseUrl = '', options: AuthServiceOptions = {}) {
    this.http = new HttpClient(baseUrl, options.fetchImpl);
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.locks = options.locks === undefined ? defaultLocks() : options.locks;
    this.events = options.events === undefined ? (typeof window === 'undefined' ? null : window) : options.events;
    this.now = options.now ?? Date.now;
    this.renewMarginMs = options.renewMarginMs ?? 60_000;
    this.events?.addEventListener('storage', this.onStorage);
  }

  getState(): AuthState {
    return this.state;
  }

  /** Call `listener` on every state change. Returns a function that removes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Called after the access token was renewed ahead of its expiry: a WebSocket opened with the old
   * one will be closed by the server when it expires, so it may reconnect now, while idle.
   */
  onRenewed(listener: () => void): () => void {
    this.renewListeners.add(listener);
    return () => {
      this.renewListeners.delete(listener);
    };
  }

  /** Read the server's auth config and restore a stored session (local). Calls share a run in flight. */
  start(): Promise<void> {
    this.starting ??= this.startNow().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startNow(): Promise<void> {
    this.setState({ status: 'loading' });
    let config: AuthConfig;
    try {
      config = await this.http.request<AuthConfig>('GET', '/api/auth/config');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        config = { mode: 'none' }; // a server from before accounts: nothing to sign in to
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.setState({ status: 'unavailable', message });
        return;
      }
    }
    if (config.mode === 'none') {
      this.setState({ status: 'off' });
      return;
    }
    if (config.mode !== 'local' && config.mode !== 'oidc') {
      this.setState({
        status: 'unavailable',
        message: `This server signs users in with "${String(config.mode)}", which this page does not know. Update the web UI.`,
      });
      return;
    }
    const stored = config.mode === 'local' ? this.readSession() : null;
    if (!stored) {
      this.setState({ status: 'signed-out', config, notice: null });
      return;
    }
    // Signed in before: renew the access token now, so a revoked session shows the sign-in at once.
    this.setState({ status: 'signed-in', config, user: stored.user });
    try {
      await this.refresh();
    } catch (error) {
      if (error instanceof SignInRequiredError) return; // refresh() already signed out, with a notice
      // Unreachable right now: stay signed in; requests and the WebSocket retry on their own.
    }
  }

  /** Create an account and sign in (local). Rejects with ApiError (`message` is for the user). */
  async signUp(username: string, password: string): Promise<void> {
    const config = this.localConfig();
    const pair = await this.http.request<TokenResponse>('POST', config.signup_url ?? '/api/auth/signup', {
      username,
      password,
    });
    this.adopt(pair, config);
  }

  /** Sign in with a username and password (local). Rejects with ApiError (`message` is for the user). */
  async signIn(username: string, password: string): Promise<void> {
    const config = this.localConfig();
    const pair = await this.http.request<TokenResponse>('POST', config.token_url ?? '/api/auth/token', {
      grant_type: 'password',
      username,
      password,
    });
    this.adopt(pair, config);
  }

  /** Use an access token from the identity provider (oidc); checked with `GET /api/auth/me` first. */
  async signInWithToken(token: string): Promise<void> {
    const state = this.state;
    if (state.status !== 'signed-out' || state.config.mode !== 'oidc') {
      throw new Error('Pasting a token is only for servers that use an identity provider.');
    }
    const me = await this.http.request<Me>('GET', '/api/auth/me', undefined, {
      headers: { Authorization: `Bearer ${token.trim()}` },
    });
    this.access = { token: token.trim(), expiresAt: me.expires_at ? me.expires_at * 1000 : Number.POSITIVE_INFINITY };
    this.setState({ status: 'signed-in', config: state.config, user: { id: me.id, username: me.username } });
  }

  /**
   * Sign out: the server ends the session (`POST /api/auth/logout` with the refresh token), and this
   * tab and the others forget it. Forgets it locally even if the server cannot be reached.
   */
  async signOut(): Promise<void> {
    const state = this.state;
    if (state.status !== 'signed-in') return;
    if (state.config.mode !== 'local') {
      this.endSession('You signed out.');
      return;
    }
    let problem: string | null = null;
    await this.withLock(async () => {
      const stored = this.readSession();
      if (!stored) return;
      try {
        await this.http.request<null>('POST', '/api/auth/logout', { refresh_token: stored.refresh_token });
      } catch (error) {
        // 401: the session had already ended. Anything else: the server was not told.
        if (!(error instanceof ApiError && error.status === 401)) {
          problem = error instanceof Error ? error.message : String(error);
        }
      }
    });
    this.endSession(
      problem
        ? `You are signed out on this device, but the server could not be told (${problem}). The session ends by itself when it expires.`
        : 'You signed out.',
    );
  }

  /**
   * The TokenSource for REST and the WebSocket: the current access token, renewed when it is about to
   * expire or when the server just refused it (`refused`). Null with auth off; rejects with
   * SignInRequiredError when nobody is signed in (or the session has ended).
   */
  readonly accessToken = async (options: { refused?: string | null } = {}): Promise<string | null> => {
    const state = this.state;
    if (state.status === 'off') return null;
    if (state.status !== 'signed-in') throw new SignInRequiredError('Sign in first.');
    const current = this.access;
    const usable = current !== null && current.token !== options.refused;
    if (state.config.mode === 'oidc') {
      if (!current) throw new SignInRequiredError('Sign in first.');
      if (usable && current.expiresAt - this.now() > 0) return current.token;
      if (current.expiresAt - this.now() > 0) {
        // Refused, not expired: ask the server whether the token still holds (a network error rejects).
        try {
          await this.http.request<Me>('GET', '/api/auth/me', undefined, {
            headers: { Authorization: `Bearer ${current.token}` },
          });
          return current.token;
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 401)) throw error;
        }
      }
      this.endSession('The server no longer accepts your token: get a new one from your identity provider.');
      throw new SignInRequiredError('Sign in again.');
    }
    if (usable && current.expiresAt - this.now() > EXPIRY_SKEW_MS) return current.token;
    return this.refresh();
  };

  /** Stop listening to other tabs and cancel the renewal timer. */
  dispose(): void {
    this.clearRenewal();
    this.events?.removeEventListener('storage', this.onStorage);
  }

  // --- internals -----------------------------------------------------------------------------------

  private localConfig(): AuthConfig {
    const state = this.state;
    const config = state.status === 'signed-out' || state.status === 'signed-in' ? state.config : null;
    if (!config || config.mode !== 'local') throw new Error('This server has no accounts of its own.');
    return config;
  }

  /** One refresh at a time in this tab (callers share it) and, with Web Locks, across tabs. */
  private refresh(): Promise<string> {
    this.refreshing ??= this.withLock(() => this.refreshNow()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshNow(): Promise<string> {
    const state = this.state;
    if (state.status !== 'signed-in') throw new SignInRequiredError('Sign in first.');
    // Another tab may have rotated the refresh token while we waited for the lock: read the newest.
    const stored = this.readSession();
    if (!stored) {
      this.endSession('You signed out in another tab.');
      throw new SignInRequiredError('Sign in first.');
    }
    let pair: TokenResponse;
    try {
      pair = await this.http.request<TokenResponse>('POST', state.config.token_url ?? '/api/auth/token', {
        grant_type: 'refresh_token',
        refresh_token: stored.refresh_token,
      });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
        this.endSession(error.message);
        throw new SignInRequiredError(error.message);
      }
      throw error;
    }
    if (this.state.status !== 'signed-in') throw new SignInRequiredError('Sign in first.'); // signed out meanwhile
    this.adopt(pair, state.config);
    return pair.access_token;
  }

  private adopt(pair: TokenResponse, config: AuthConfig): void {
    const now = this.now();
    this.access = { token: pair.access_token, expiresAt: now + pair.expires_in * 1000 };
    this.writeSession({
      refresh_token: pair.refresh_token,
      refresh_expires_at: now + pair.refresh_expires_in * 1000,
      user: pair.user,
    });
    this.scheduleRenewal(pair.expires_in * 1000);
    const state = this.state;
    if (state.status !== 'signed-in' || state.user.id !== pair.user.id || state.user.username !== pair.user.username) {
      this.setState({ status: 'signed-in', config, user: pair.user });
    }
  }

  private scheduleRenewal(lifetimeMs: number): void {
    this.clearRenewal();
    const margin = Math.min(this.renewMarginMs, lifetimeMs / 5);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      this.refresh().then(
        () => {
          for (const listener of [...this.renewListeners]) listener();
        },
        () => undefined, // offline: the next request or reconnect tries again; signed out: state says so
      );
    }, Math.max(0, lifetimeMs - margin));
  }

  private clearRenewal(): void {
    if (this.renewTimer !== null) {
      clearTimeout(this.renewTimer);
      this.renewTimer = null;
    }
  }

  /** Forget the session here (and in storage, so the other tabs follow), with a notice for the sign-in page. */
  private endSession(notice: string): void {
    this.clearRenewal();
    this.access = null;
    this.removeSession();
    const state = this.state;
    if (state.status === 'signed-in' || state.status === 'signed-out') {
      this.setState({ status: 'signed-out', config: state.config, notice });
    }
  }

  private readonly onStorage = (event: StorageEvent): void => {
    if (event.key !== SESSION_KEY && event.key !== null) return; // null: storage.clear()
    const state = this.state;
    if ((state.status !== 'signed-in' && state.status !== 'signed-out') || state.config.mode !== 'local') return;
    const stored = this.readSession();
    if (state.status === 'signed-in') {
      if (!stored) {
        this.clearRenewal();
        this.access = null;
        this.setState({ status: 'signed-out', config: state.config, notice: 'You signed out in another tab.' });
      } else if (stored.user.id !== state.user.id) {
        this.access = null; // another account signed in elsewhere: our token is the old user's
        this.setState({ status: 'signed-in', config: state.config, user: stored.user });
      }
      // Same user, rotated refresh token: our access token stays good until it expires.
    } else if (stored) {
      this.access = null; // signed in in another tab: get our own access token on first use
      this.setState({ status: 'signed-in', config: state.config, user: stored.user });
    }
  };

  private withLock<T>(task: () => Promise<T>): Promise<T> {
    return this.locks ? this.locks.request(LOCK_NAME, task) : task();
  }

  private readSession(): StoredSession | null {
    if (!this.storage) return this.memorySession;
    try {
      const raw = this.storage.getItem(SESSION_KEY);
      if (!raw) return null;
      const session = JSON.parse(raw) as StoredSession;
      if (typeof session.refresh_token !== 'string' || typeof session.user?.id !== 'string') return null;
      return session.refresh_expires_at > this.now() ? session : null;
    } catch {
      return null; // unreadable or disabled storage: as good as signed out
    }
  }

  private writeSession(session: StoredSession): void {
    this.memorySession = session;
    try {
      this.storage?.setItem(SESSION_KEY, JSON.stringify(session));
    } catch {
      // full or disabled: the session still works in this tab
    }
  }

  private removeSession(): void {
    this.memorySession = null;
    try {
      this.storage?.removeItem(SESSION_KEY);
    } catch {
      // nothing stored
    }
  }

  private setState(state: AuthState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }
}
