import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthService, SESSION_KEY, type LockManagerLike } from '../../../src/services/auth';
import { SignInRequiredError } from '../../../src/services/http';
import { MemoryStorage, accountsServer, alice } from '../../fixtures/accounts';
import { fakeFetch } from '../../fixtures/calls';

/** Web Locks stand-in: one holder at a time, in order, and a record of who asked. */
class FakeLocks implements LockManagerLike {
  readonly names: string[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  request<T>(name: string, callback: () => Promise<T>): Promise<T> {
    this.names.push(name);
    const run = this.tail.then(callback, callback);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function service(fetchImpl: ReturnType<typeof fakeFetch>['fetchImpl'], extra: Partial<ConstructorParameters<typeof AuthService>[1]> = {}) {
  const storage = new MemoryStorage();
  const events = new EventTarget() as unknown as Window;
  let now = 1_000_000;
  const auth = new AuthService('', { fetchImpl, storage, events, locks: null, now: () => now, ...extra });
  return { auth, storage, events, advance: (ms: number) => (now += ms) };
}

function stored(storage: MemoryStorage) {
  const raw = storage.getItem(SESSION_KEY);
  return raw ? (JSON.parse(raw) as { refresh_token: string; user: { id: string } }) : null;
}

afterEach(() => vi.useRealTimers());

describe('AuthService.start', () => {
  it('auth off: nothing to sign in to (mode none, or a server without /api/auth/config)', async () => {
    const none = service(fakeFetch({ 'GET /api/auth/config': () => ({ status: 200, body: { mode: 'none' } }) }).fetchImpl);
    await none.auth.start();
    expect(none.auth.getState()).toEqual({ status: 'off' });
    expect(await none.auth.accessToken()).toBeNull();

    const old = service(fakeFetch({}).fetchImpl);
    await old.auth.start();
    expect(old.auth.getState()).toEqual({ status: 'off' });
  });

  it('says so when the server cannot be reached', async () => {
    const { auth } = service(async () => {
      throw new TypeError('Failed to fetch');
    });
    await auth.start();
    expect(auth.getState()).toMatchObject({ status: 'unavailable', message: expect.stringContaining('Could not reach the server') });
  });

  it('local, never signed in: signed out', async () => {
    const { auth } = service(accountsServer().fetchImpl);
    await auth.start();
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: null, config: { mode: 'local' } });
    await expect(auth.accessToken()).rejects.toBeInstanceOf(SignInRequiredError);
  });

  it('local, signed in before: renews the session from the stored refresh token', async () => {
    const server = accountsServer();
    const first = service(server.fetchImpl);
    await first.auth.start();
    await first.auth.signIn('alice', 'right password');
    const { refresh_token } = stored(first.storage)!;

    const again = service(server.fetchImpl); // a reload: same storage, fresh memory
    again.storage.setItem(SESSION_KEY, first.storage.getItem(SESSION_KEY)!);
    await again.auth.start();
    expect(again.auth.getState()).toMatchObject({ status: 'signed-in', user: alice });
    expect(stored(again.storage)!.refresh_token).not.toBe(refresh_token); // rotated
    expect(await again.auth.accessToken()).toBe('at-2');
  });

  it('a stored session the server no longer accepts: signed out, with its reason, and forgotten', async () => {
    const { auth, storage } = service(accountsServer().fetchImpl);
    storage.setItem(SESSION_KEY, JSON.stringify({ refresh_token: 'spent', refresh_expires_at: 9e15, user: alice }));
    await auth.start();
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: expect.stringContaining('already used') });
    expect(storage.getItem(SESSION_KEY)).toBeNull();
  });
});

describe('AuthService sign-in, sign-up and sign-out', () => {
  it('signs in: the refresh token is stored, the access token only kept in memory', async () => {
    const { auth, storage } = service(accountsServer().fetchImpl);
    await auth.start();
    const changes = vi.fn();
    auth.subscribe(changes);
    await auth.signIn('alice', 'right password');
    expect(auth.getState()).toMatchObject({ status: 'signed-in', user: alice });
    expect(changes).toHaveBeenCalled();
    expect(stored(storage)).toMatchObject({ refresh_token: 'rt-1', user: alice });
    expect(storage.getItem(SESSION_KEY)).not.toContain('at-1');
    expect(await auth.accessToken()).toBe('at-1');
  });

  it('a wrong password or a taken name rejects with the server message, and stays signed out', async () => {
    const { auth } = service(accountsServer().fetchImpl);
    await auth.start();
    await expect(auth.signIn('alice', 'nope')).rejects.toMatchObject({ status: 401, message: 'Wrong username or password.' });
    await expect(auth.signUp('taken', 'long enough')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('is taken') });
    expect(auth.getState().status).toBe('signed-out');
  });

  it('signs up and is signed in as the new user', async () => {
    const { auth, storage } = service(accountsServer().fetchImpl);
    await auth.start();
    await auth.signUp('bob', 'long enough');
    expect(auth.getState()).toMatchObject({ status: 'signed-in', user: { username: 'bob' } });
    expect(stored(storage)!.user.id).toBe('u-2');
  });

  it('signs out: the server ends the session (by refresh token) and the session is forgotten', async () => {
    const server = accountsServer();
    const { auth, storage } = service(server.fetchImpl);
    await auth.start();
    await auth.signIn('alice', 'right password');
    await auth.signOut();
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/auth/logout', body: { refresh_token: 'rt-1' } });
    expect(server.live.size).toBe(0);
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: 'You signed out.' });
    await expect(auth.accessToken()).rejects.toBeInstanceOf(SignInRequiredError);
  });

  it('signs out locally even when the server cannot be told, and says so', async () => {
    const server = accountsServer();
    let offline = false;
    const { auth, storage } = service(async (url, init) => {
      if (offline) throw new TypeError('Failed to fetch');
      return server.fetchImpl(url, init);
    });
    await auth.start();
    await auth.signIn('alice', 'right password');
    offline = true;
    await auth.signOut();
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: expect.stringContaining('could not be told') });
  });
});

describe('AuthService.accessToken', () => {
  async function signedIn(extra: Partial<ConstructorParameters<typeof AuthService>[1]> = {}) {
    const server = accountsServer();
    const setup = service(server.fetchImpl, extra);
    await setup.auth.start();
    await setup.auth.signIn('alice', 'right password');
    return { ...setup, server };
  }

  it('hands out the token in memory while it is good, and renews it shortly before it expires', async () => {
    const { auth, advance } = await signedIn();
    expect(await auth.accessToken()).toBe('at-1');
    advance(880_000); // 20 s left: still good
    expect(await auth.accessToken()).toBe('at-1');
    advance(15_000); // 5 s left
    expect(await auth.accessToken()).toBe('at-2');
  });

  it('renews a token the server refused, once for all the callers that saw it refused', async () => {
    const { auth, server } = await signedIn();
    const [a, b, c] = await Promise.all([
      auth.accessToken({ refused: 'at-1' }),
      auth.accessToken({ refused: 'at-1' }),
      auth.accessToken({ refused: 'at-1' }),
    ]);
    expect([a, b, c]).toEqual(['at-2', 'at-2', 'at-2']);
    expect(server.requests.filter((r) => r.body && (r.body as { grant_type?: string }).grant_type === 'refresh_token')).toHaveLength(1);
    // A caller that saw the old token refused after the renewal gets the new one, without another refresh.
    expect(await auth.accessToken({ refused: 'at-1' })).toBe('at-2');
    expect(server.issued()).toBe(2);
  });

  it('uses the newest refresh token in storage (another tab may have rotated it) under a cross-tab lock', async () => {
    const locks = new FakeLocks();
    const { auth, storage, server } = await signedIn({ locks });
    // Another tab renewed the session: rt-1 is spent, rt-2 is in storage.
    const otherTab = await server.fetchImpl('/api/auth/token', {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'rt-1' }),
    });
    storage.setItem(SESSION_KEY, JSON.stringify({ ...stored(storage), refresh_token: ((await otherTab.json()) as { refresh_token: string }).refresh_token }));
    expect(await auth.accessToken({ refused: 'at-1' })).toBe('at-3');
    expect(auth.getState().status).toBe('signed-in');
    expect(locks.names).toContain('calledit-refresh');
  });

  it('a session that ended elsewhere: signed out with the reason, and "sign in first" to callers', async () => {
    const { auth, server } = await signedIn();
    server.live.clear(); // e.g. "sign out everywhere" from another device
    await expect(auth.accessToken({ refused: 'at-1' })).rejects.toBeInstanceOf(SignInRequiredError);
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: expect.stringContaining('sign in again') });
  });

  it('offline while renewing: the error passes through and the session is kept', async () => {
    const server = accountsServer();
    let offline = false;
    const { auth, storage } = service(async (url, init) => {
      if (offline) throw new TypeError('Failed to fetch');
      return server.fetchImpl(url, init);
    });
    await auth.start();
    await auth.signIn('alice', 'right password');
    offline = true;
    await expect(auth.accessToken({ refused: 'at-1' })).rejects.toMatchObject({ code: 'network' });
    expect(auth.getState().status).toBe('signed-in');
    expect(stored(storage)).not.toBeNull();
  });

  it('renews on a timer a minute before expiry and tells the listeners (the WebSocket reconnects)', async () => {
    vi.useFakeTimers();
    const { auth } = await signedIn();
    const renewed = vi.fn();
    auth.onRenewed(renewed);
    await vi.advanceTimersByTimeAsync(839_000);
    expect(renewed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(renewed).toHaveBeenCalledTimes(1);
    expect(await auth.accessToken()).toBe('at-2');
    auth.dispose();
  });
});

describe('AuthService across tabs', () => {
  it('follows a sign-out and a sign-in made in another tab', async () => {
    const server = accountsServer();
    const { auth, storage, events } = service(server.fetchImpl);
    await auth.start();
    await auth.signIn('alice', 'right password');

    storage.removeItem(SESSION_KEY);
    events.dispatchEvent(new StorageEvent('storage', { key: SESSION_KEY }));
    expect(auth.getState()).toMatchObject({ status: 'signed-out', notice: 'You signed out in another tab.' });

    storage.setItem(SESSION_KEY, JSON.stringify({ refresh_token: 'rt-1', refresh_expires_at: 9e15, user: alice }));
    server.live.add('rt-1');
    events.dispatchEvent(new StorageEvent('storage', { key: SESSION_KEY }));
    expect(auth.getState()).toMatchObject({ status: 'signed-in', user: alice });
    expect(await auth.accessToken()).toBe('at-2'); // its own access token, from the shared session

    events.dispatchEvent(new StorageEvent('storage', { key: 'something-else' }));
    expect(auth.getState().status).toBe('signed-in');
  });
});

describe('AuthService with an identity provider (oidc)', () => {
  function oidcServer() {
    return fakeFetch({
      'GET /api/auth/config': () => ({ status: 200, body: { mode: 'oidc', issuer: 'https://idp.example/pool', audience: 'app-client' } }),
      'GET /api/auth/me': (_body, request) =>
        request.authorization === 'Bearer good.jwt.token'
          ? { status: 200, body: { id: 'sub-1', username: 'dana', mode: 'oidc', expires_at: 2_000_000 } }
          : { status: 401, body: { code: 'unauthorized', message: 'The token was not issued by this identity provider.' } },
    });
  }

  it('accepts a pasted token the server recognises, and keeps it in memory only', async () => {
    const { auth, storage } = service(oidcServer().fetchImpl);
    await auth.start();
    expect(auth.getState()).toMatchObject({ status: 'signed-out', config: { issuer: 'https://idp.example/pool' } });
    await expect(auth.signInWithToken('bad')).rejects.toMatchObject({ message: expect.stringContaining('not issued') });
    await auth.signInWithToken('  good.jwt.token ');
    expect(auth.getState()).toMatchObject({ status: 'signed-in', user: { id: 'sub-1', username: 'dana' } });
    expect(await auth.accessToken()).toBe('good.jwt.token');
    expect(storage.items.size).toBe(0);
  });

  it('drops the token once the server refuses it for good', async () => {
    const server = oidcServer();
    const setup = service(server.fetchImpl);
    await setup.auth.start();
    await setup.auth.signInWithToken('good.jwt.token');
    // Refused but still valid per /me: keep it (the refusal was about something else).
    expect(await setup.auth.accessToken({ refused: 'good.jwt.token' })).toBe('good.jwt.token');
    setup.advance(2_000_000_000); // past its expiry
    await expect(setup.auth.accessToken()).rejects.toBeInstanceOf(SignInRequiredError);
    expect(setup.auth.getState()).toMatchObject({ status: 'signed-out', notice: expect.stringContaining('identity provider') });
  });
});
