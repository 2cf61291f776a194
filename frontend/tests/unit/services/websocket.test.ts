import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignInRequiredError } from '../../../src/services/http';
import { WebSocketService, withToken, type ConnectionState } from '../../../src/services/websocket';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

function service(options: ConstructorParameters<typeof WebSocketService>[1] = {}) {
  const problems: string[] = [];
  const ws = new WebSocketService('ws://test/ws', {
    WebSocketImpl: FakeWebSocket,
    random: () => 0, // no jitter: delays are exact
    onProtocolError: (problem) => problems.push(problem),
    ...options,
  });
  const states: ConnectionState[] = [];
  ws.onStateChange((state) => states.push(state));
  return { ws, states, problems };
}

beforeEach(() => FakeWebSocket.reset());
afterEach(() => vi.useRealTimers());

describe('WebSocketService.connect', () => {
  it('resolves once the socket opens', async () => {
    const { ws, states } = service();
    let opened = false;
    const connecting = ws.connect().then(() => (opened = true));
    await Promise.resolve();
    expect(opened).toBe(false);
    expect(FakeWebSocket.last.url).toBe('ws://test/ws');
    FakeWebSocket.last.open();
    await connecting;
    expect(opened).toBe(true);
    expect(ws.getState()).toBe('open');
    expect(states).toEqual(['connecting', 'open']);
  });

  it('rejects when the connection fails', async () => {
    const { ws } = service({ reconnect: false });
    const connecting = ws.connect();
    FakeWebSocket.last.fail();
    await expect(connecting).rejects.toThrow('Could not connect');
    expect(ws.getState()).toBe('closed');
  });

  it('shares one attempt between callers and does not reopen an open socket', async () => {
    const { ws } = service();
    const a = ws.connect();
    const b = ws.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.open();
    await Promise.all([a, b]);
    await ws.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('WebSocketService.send', () => {
  it('sends {action, ...data} as one JSON frame, connecting first', async () => {
    const { ws } = service();
    const sending = ws.send('makecall', { prompt: 'It will rain', timezone: 'Europe/Paris' });
    FakeWebSocket.last.open();
    await sending;
    expect(FakeWebSocket.last.sent).toEqual(['{"action":"makecall","prompt":"It will rain","timezone":"Europe/Paris"}']);
    await ws.send('cancel');
    expect(FakeWebSocket.last.actions.at(-1)).toEqual({ action: 'cancel' });
  });

  it('rejects when it cannot connect', async () => {
    const { ws } = service({ reconnect: false });
    const sending = ws.send('ping');
    FakeWebSocket.last.fail();
    await expect(sending).rejects.toThrow();
  });
});

describe('WebSocketService handlers', () => {
  async function opened() {
    const setup = service();
    const connecting = setup.ws.connect();
    FakeWebSocket.last.open();
    await connecting;
    return setup;
  }

  it('routes each event to the handlers of its type only', async () => {
    const { ws } = await opened();
    const texts: string[] = [];
    const errors: string[] = [];
    ws.onMessage('text', (event) => texts.push(event.content));
    ws.onMessage('error', (event) => errors.push(event.code));
    FakeWebSocket.last.receive({ type: 'text', content: 'Hel' });
    FakeWebSocket.last.receive({ type: 'text', content: 'lo' });
    FakeWebSocket.last.receive({ type: 'error', code: 'busy', message: 'one at a time' });
    expect(texts).toEqual(['Hel', 'lo']);
    expect(errors).toEqual(['busy']);
  });

  it('stops calling a handler once removed, by its unsubscribe function or offMessage', async () => {
    const { ws } = await opened();
    const a = vi.fn();
    const b = vi.fn();
    const c = vi.fn();
    const offA = ws.onMessage('text', a);
    ws.onMessage('text', b);
    ws.onMessage('pong', c);
    offA();
    FakeWebSocket.last.receive({ type: 'text', content: 'x' });
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    ws.offMessage('text');
    ws.offMessage('pong', c);
    FakeWebSocket.last.receive({ type: 'text', content: 'y' });
    FakeWebSocket.last.receive({ type: 'pong' });
    expect(b).toHaveBeenCalledTimes(1);
    expect(c).not.toHaveBeenCalled();
    expect(ws.handlerCount()).toBe(0);
  });

  it('reports frames that are not JSON events, and keeps going', async () => {
    const { ws, problems } = await opened();
    const pong = vi.fn();
    ws.onMessage('pong', pong);
    FakeWebSocket.last.receive('not json');
    FakeWebSocket.last.receive({ kind: 'no type' });
    FakeWebSocket.last.receive({ type: 'mystery' });
    FakeWebSocket.last.receive({ type: 'pong' });
    expect(problems).toHaveLength(3);
    expect(pong).toHaveBeenCalledTimes(1);
  });

  it('a handler that throws does not stop the others', async () => {
    const { ws, problems } = await opened();
    const after = vi.fn();
    ws.onMessage('pong', () => {
      throw new Error('boom');
    });
    ws.onMessage('pong', after);
    FakeWebSocket.last.receive({ type: 'pong' });
    expect(after).toHaveBeenCalled();
    expect(problems).toEqual(['a "pong" handler threw']);
  });
});

describe('WebSocketService reconnecting', () => {
  it('reconnects with exponential backoff after the connection drops, and resets once open', async () => {
    vi.useFakeTimers();
    const { ws, states } = service({ reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000 } });
    const connecting = ws.connect();
    FakeWebSocket.last.open();
    await connecting;

    FakeWebSocket.last.drop();
    expect(ws.getState()).toBe('reconnecting');
    vi.advanceTimersByTime(99);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2); // after 100 ms

    FakeWebSocket.last.fail();
    vi.advanceTimersByTime(199);
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(3); // then 200 ms

    FakeWebSocket.last.fail();
    vi.advanceTimersByTime(400);
    expect(FakeWebSocket.instances).toHaveLength(4); // then 400 ms
    FakeWebSocket.last.open();
    expect(ws.getState()).toBe('open');

    FakeWebSocket.last.drop(); // a fresh drop starts again from the first delay
    vi.advanceTimersByTime(100);
    expect(FakeWebSocket.instances).toHaveLength(5);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'reconnecting']);
  });

  it('caps the delay and gives up after maxAttempts', async () => {
    vi.useFakeTimers();
    const { ws } = service({ reconnect: { initialDelayMs: 100, factor: 10, maxDelayMs: 300, maxAttempts: 3 } });
    void ws.connect();
    FakeWebSocket.last.fail(); // failure 1 → wait 100
    vi.advanceTimersByTime(100);
    FakeWebSocket.last.fail(); // failure 2 → wait min(1000, 300)
    vi.advanceTimersByTime(299);
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.fail(); // failure 3 → wait 300
    vi.advanceTimersByTime(300);
    FakeWebSocket.last.fail(); // failure 4 > maxAttempts → give up
    expect(ws.getState()).toBe('closed');
    vi.advanceTimersByTime(10_000);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });

  it('applies jitter below the nominal delay', async () => {
    vi.useFakeTimers();
    const ws = new WebSocketService('ws://test/ws', {
      WebSocketImpl: FakeWebSocket,
      reconnect: { initialDelayMs: 1000, jitter: 0.5 },
      random: () => 1,
    });
    void ws.connect();
    FakeWebSocket.last.fail();
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('connect() during a backoff wait tries at once', async () => {
    vi.useFakeTimers();
    const { ws } = service({ reconnect: { initialDelayMs: 10_000 } });
    void ws.connect();
    FakeWebSocket.last.fail();
    expect(FakeWebSocket.instances).toHaveLength(1);
    const again = ws.connect();
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.open();
    await again;
    vi.advanceTimersByTime(20_000);
    expect(FakeWebSocket.instances).toHaveLength(2); // the old timer was cleared
  });

  it('does not reconnect after disconnect(), and ignores the old socket', async () => {
    vi.useFakeTimers();
    const { ws } = service();
    const connecting = ws.connect();
    FakeWebSocket.last.open();
    await connecting;
    const handler = vi.fn();
    ws.onMessage('pong', handler);
    const old = FakeWebSocket.last;
    ws.disconnect();
    expect(old.closedWith).toBe(1000);
    expect(ws.getState()).toBe('closed');
    old.receive({ type: 'pong' });
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(handler).not.toHaveBeenCalled();
  });

  it('reconnect() swaps in a fresh socket; the old one can no longer deliver events', async () => {
    const { ws } = service();
    const connecting = ws.connect();
    FakeWebSocket.last.open();
    await connecting;
    const old = FakeWebSocket.last;
    const texts: string[] = [];
    ws.onMessage('text', (event) => texts.push(event.content));
    const reconnecting = ws.reconnect();
    expect(ws.getState()).toBe('reconnecting');
    FakeWebSocket.last.open();
    await reconnecting;
    old.receive({ type: 'text', content: 'stale' });
    FakeWebSocket.last.receive({ type: 'text', content: 'fresh' });
    expect(texts).toEqual(['fresh']);
  });
});

describe('WebSocketService back after an outage', () => {
  it('by default never waits more than 3 s between attempts (an outage costs seconds, not ~13 s)', async () => {
    vi.useFakeTimers();
    try {
      const { ws } = service();
      void ws.connect();
      FakeWebSocket.last.open();
      FakeWebSocket.last.drop();
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const before = FakeWebSocket.instances.length;
        await vi.advanceTimersByTimeAsync(3_000);
        expect(FakeWebSocket.instances.length).toBe(before + 1); // one new attempt within every 3 s
        FakeWebSocket.last.fail();
      }
      ws.disconnect();
    } finally {
      vi.useRealTimers();
    }
  });

  it('retryNow() tries at once while waiting to reconnect, and does nothing when connected', async () => {
    vi.useFakeTimers();
    try {
      const { ws } = service({ reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      void ws.connect();
      FakeWebSocket.last.open();
      ws.retryNow();
      expect(FakeWebSocket.instances).toHaveLength(1);
      FakeWebSocket.last.drop();
      expect(ws.getState()).toBe('reconnecting');
      ws.retryNow(); // the browser came back online
      expect(FakeWebSocket.instances).toHaveLength(2);
      FakeWebSocket.last.open();
      expect(ws.getState()).toBe('open');
      ws.disconnect();
      ws.retryNow();
      expect(FakeWebSocket.instances).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('WebSocketService with an access token', () => {
  /** A token source that hands out tok-1, tok-2, ... and records what it was told was refused. */
  function tokens() {
    let issued = 0;
    const refused: Array<string | null | undefined> = [];
    const source = vi.fn(async (options?: { refused?: string | null }) => {
      refused.push(options?.refused);
      if (issued === 0 || options?.refused) issued += 1;
      return `tok-${issued}`;
    });
    return { source, refused };
  }

  /** Let the token source's promise settle, so the socket gets created. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('adds the token to the URL (?token=, as the server and the API Gateway authorizer take it)', async () => {
    expect(withToken('ws://h/ws', 'a.b.c')).toBe('ws://h/ws?token=a.b.c');
    expect(withToken('wss://h/prod?x=1', 'a+b')).toBe('wss://h/prod?x=1&token=a%2Bb');
    expect(withToken('ws://h/ws', null)).toBe('ws://h/ws');
    const { source } = tokens();
    const { ws } = service({ token: source });
    const connecting = ws.connect();
    await settle();
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=tok-1');
    FakeWebSocket.last.open();
    await connecting;
    expect(ws.getState()).toBe('open');
  });

  it('connects without a token when the source says none is needed (auth off)', async () => {
    const { ws } = service({ token: async () => null });
    void ws.connect();
    await settle();
    expect(FakeWebSocket.last.url).toBe('ws://test/ws');
  });

  it('when the token expires mid-session (error, then close 1008), renews it and reconnects at once', async () => {
    const { source, refused } = tokens();
    const { ws, states } = service({ token: source, reconnect: { initialDelayMs: 60_000 } });
    const connecting = ws.connect();
    await settle();
    FakeWebSocket.last.open();
    await connecting;
    FakeWebSocket.last.receive({ type: 'error', code: 'unauthorized', message: 'Your sign-in has expired: get a new token and reconnect.' });
    FakeWebSocket.last.drop(1008);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(2); // no 60 s backoff
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=tok-2');
    expect(refused).toEqual([null, 'tok-1']);
    FakeWebSocket.last.open();
    expect(states.slice(-2)).toEqual(['reconnecting', 'open']);
  });

  it('after a failed upgrade (the browser hides the 401), the next attempt renews the token first', async () => {
    vi.useFakeTimers();
    const { source, refused } = tokens();
    const { ws } = service({ token: source, reconnect: { initialDelayMs: 100 } });
    void ws.connect();
    await vi.advanceTimersByTimeAsync(0);
    FakeWebSocket.last.fail();
    await vi.advanceTimersByTimeAsync(100);
    expect(refused).toEqual([null, 'tok-1']);
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=tok-2');
  });

  it('stops, without retrying, when nobody is signed in', async () => {
    vi.useFakeTimers();
    const { ws } = service({
      token: async () => {
        throw new SignInRequiredError('Sign in first.');
      },
    });
    const connecting = ws.connect();
    await expect(connecting).rejects.toThrow('Sign in first.');
    expect(ws.getState()).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('retries with backoff when the token cannot be renewed right now (offline)', async () => {
    vi.useFakeTimers();
    let offline = true;
    const { ws } = service({
      token: async () => {
        if (offline) throw new TypeError('Failed to fetch');
        return 'tok';
      },
      reconnect: { initialDelayMs: 100 },
    });
    await expect(ws.connect()).rejects.toThrow('Could not renew your sign-in');
    expect(ws.getState()).toBe('reconnecting');
    offline = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=tok');
  });

  it('disconnect() while the token is on its way: no socket is opened', async () => {
    let release!: (token: string) => void;
    const { ws } = service({ token: () => new Promise<string>((resolve) => (release = resolve)) });
    const connecting = ws.connect();
    ws.disconnect();
    release('late');
    await expect(connecting).rejects.toThrow('Disconnected.');
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(0);
  });
});
