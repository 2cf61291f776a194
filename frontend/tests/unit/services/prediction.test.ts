import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PredictionService, type PredictionError, type StreamingExtras } from '../../../src/services/prediction';
import { WebSocketService } from '../../../src/services/websocket';
import type { CallContent, PartialCall } from '../../../src/types/protocol';
import { completeCall } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

/** Let queued promise callbacks (connect → send) run. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function recorder() {
  const log: string[] = [];
  const calls: PartialCall[] = [];
  const errors: PredictionError[] = [];
  let completed: CallContent | null = null;
  const extras: StreamingExtras = {
    onCall: (call) => calls.push(call),
    onQueued: (position) => log.push(`queued:${position}`),
    onProcessing: () => log.push('processing'),
  };
  return {
    log,
    calls,
    errors,
    get completed() {
      return completed;
    },
    args: [
      (text: string) => log.push(`text:${text}`),
      (name: string) => log.push(`tool:${name}`),
      (call: CallContent) => {
        completed = call;
        log.push('complete');
      },
      (message: string, error: PredictionError) => {
        errors.push(error);
        log.push(`error:${error.code}:${message}`);
      },
      extras,
    ] as const,
  };
}

/** Every service a test made: closed after it, so no retry of one test's socket lands in the next. */
const made: WebSocketService[] = [];

function setup(options: { drainTimeoutMs?: number } = {}) {
  const webSocket = new WebSocketService('ws://test/ws', {
    WebSocketImpl: FakeWebSocket,
    reconnect: { initialDelayMs: 50 },
    random: () => 0,
  });
  made.push(webSocket);
  const service = new PredictionService(webSocket, { timezone: () => 'Europe/Paris', ...options });
  return { webSocket, service };
}

/** Start a run and open the socket; returns the recorder once makecall is on the wire. */
async function startRun(service: PredictionService, prompt = 'The Lakers will win tonight') {
  const run = recorder();
  const sending = service.makePredictionWithStreaming(prompt, ...run.args);
  await flush();
  const socket = FakeWebSocket.last;
  if (socket.readyState !== FakeWebSocket.OPEN) socket.open();
  await sending;
  return run;
}

beforeEach(() => FakeWebSocket.reset());
afterEach(() => {
  for (const webSocket of made.splice(0)) webSocket.disconnect();
  vi.useRealTimers();
});

describe('PredictionService.makePredictionWithStreaming', () => {
  it('sends makecall with the prompt and the user timezone', async () => {
    const { service } = setup();
    await startRun(service, 'It will rain in Paris tomorrow');
    expect(FakeWebSocket.last.actions).toEqual([
      { action: 'makecall', prompt: 'It will rain in Paris tomorrow', timezone: 'Europe/Paris' },
    ]);
  });

  it('streams text, tools, partial calls and the complete call, in order', async () => {
    const { service } = setup();
    const run = await startRun(service);
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing', message: 'Working' });
    server.receive({ type: 'text', content: '{"prediction_' });
    server.receive({ type: 'call', call: { prediction_statement: 'The Lakers win' } });
    server.receive({ type: 'tool', name: 'current_time', input: {} });
    server.receive({ type: 'text', content: 'statement"' });
    server.receive({ type: 'complete', content: completeCall });
    server.receive({ type: 'status', status: 'complete' });
    expect(run.log).toEqual([
      'processing',
      'text:{"prediction_',
      'tool:current_time',
      'text:statement"',
      'complete',
    ]);
    expect(run.calls).toEqual([{ prediction_statement: 'The Lakers win' }]);
    expect(run.completed).toEqual(completeCall);
    expect(service.busy).toBe(false);
  });

  it('reports queue positions while waiting for the model', async () => {
    const { service } = setup();
    const run = await startRun(service);
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'status', status: 'queued', position: 2 });
    server.receive({ type: 'status', status: 'queued', position: 1 });
    server.receive({ type: 'text', content: 'go' });
    expect(run.log).toEqual(['processing', 'queued:2', 'queued:1', 'text:go']);
  });

  it('passes server errors on with their code and retry_after', async () => {
    const { service } = setup();
    const run = await startRun(service);
    FakeWebSocket.last.receive({ type: 'error', code: 'rate_limited', message: 'Slow down.', retry_after: 12 });
    expect(run.log).toEqual(['error:rate_limited:Slow down.']);
    expect(run.errors[0]?.retryAfter).toBe(12);
    expect(service.busy).toBe(false);
  });

  it('reports a connection that cannot be made as connection_failed', async () => {
    const webSocket = new WebSocketService('ws://test/ws', { WebSocketImpl: FakeWebSocket, reconnect: false });
    const service = new PredictionService(webSocket);
    const run = recorder();
    const sending = service.makePredictionWithStreaming('x', ...run.args);
    FakeWebSocket.last.fail();
    await sending;
    expect(run.errors.map((e) => e.code)).toEqual(['connection_failed']);
    expect(run.log[0]).toContain('Could not reach the CalledIt server');
  });

  it('fails the run, once, when the connection drops mid-stream', async () => {
    const { service } = setup();
    const run = await startRun(service);
    FakeWebSocket.last.receive({ type: 'status', status: 'processing' });
    FakeWebSocket.last.drop();
    expect(run.errors.map((e) => e.code)).toEqual(['connection_lost']);
    expect(service.busy).toBe(false);
  });

  it('ignores events that come before the server acknowledges the run', async () => {
    const { service } = setup();
    const run = await startRun(service);
    const server = FakeWebSocket.last;
    server.receive({ type: 'text', content: 'stale' });
    server.receive({ type: 'complete', content: completeCall });
    server.receive({ type: 'status', status: 'complete' });
    server.receive({ type: 'error', code: 'cancelled', message: 'stale cancel' });
    expect(run.log).toEqual([]);
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'text', content: 'mine' });
    expect(run.log).toEqual(['processing', 'text:mine']);
  });

  it('takes an error that answers the makecall itself (before processing)', async () => {
    const { service } = setup();
    const run = await startRun(service);
    FakeWebSocket.last.receive({ type: 'error', code: 'bad_request', message: 'prompt: too long' });
    expect(run.errors.map((e) => e.code)).toEqual(['bad_request']);
  });
});

describe('runs cannot leak into each other', () => {
  it('registers its handlers once, however many runs there are, and removes them on cleanup', async () => {
    const { webSocket, service } = setup();
    const before = webSocket.handlerCount();
    for (let i = 0; i < 3; i += 1) {
      await startRun(service);
      FakeWebSocket.last.receive({ type: 'status', status: 'processing' });
      FakeWebSocket.last.receive({ type: 'complete', content: completeCall });
    }
    expect(webSocket.handlerCount()).toBe(before);
    service.cleanup();
    expect(webSocket.handlerCount()).toBe(0);
  });

  it('a finished run hears nothing more', async () => {
    const { service } = setup();
    const first = await startRun(service);
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'complete', content: completeCall });
    server.receive({ type: 'text', content: 'late' });
    server.receive({ type: 'error', code: 'internal', message: 'late' });
    expect(first.log).toEqual(['processing', 'complete']);
  });

  it('after cancel, the stale complete of the cancelled run does not land in the next run', async () => {
    const { service } = setup();
    const first = await startRun(service, 'first');
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'text', content: 'one' });

    service.cancel();
    await flush();
    expect(server.actions.at(-1)).toEqual({ action: 'cancel' });

    // The user starts again at once; the server is still finishing the first run.
    const second = recorder();
    const sending = service.makePredictionWithStreaming('second', ...second.args);
    await flush();
    server.receive({ type: 'text', content: 'stale text' });
    server.receive({ type: 'call', call: { prediction_statement: 'stale' } });
    server.receive({ type: 'complete', content: { ...completeCall, raw_prompt: 'first' } });
    server.receive({ type: 'status', status: 'complete' });
    // The second makecall waits until the server has answered the cancel…
    expect(server.actions.map((a) => a.action)).toEqual(['makecall', 'cancel']);
    server.receive({ type: 'error', code: 'bad_request', message: 'Nothing to cancel' });
    await sending;
    expect(server.actions.at(-1)).toEqual({ action: 'makecall', prompt: 'second', timezone: 'Europe/Paris' });

    // …so only its own events reach it.
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'text', content: 'two' });
    server.receive({ type: 'complete', content: { ...completeCall, raw_prompt: 'second' } });
    expect(first.log).toEqual(['processing', 'text:one']);
    expect(second.log).toEqual(['processing', 'text:two', 'complete']);
    expect(second.completed?.raw_prompt).toBe('second');
    expect(second.calls).toEqual([]);
  });

  it('a cancelled run that fails on its own keeps draining until the cancel is answered', async () => {
    const { service } = setup();
    await startRun(service, 'first');
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing' });
    service.cancel();
    const second = recorder();
    const sending = service.makePredictionWithStreaming('second', ...second.args);
    await flush();
    server.receive({ type: 'error', code: 'model_error', message: 'first run failed' });
    expect(server.actions.map((a) => a.action)).toEqual(['makecall', 'cancel']);
    server.receive({ type: 'error', code: 'cancelled', message: 'Cancelled' });
    await sending;
    expect(server.actions.map((a) => a.action)).toEqual(['makecall', 'cancel', 'makecall']);
    expect(second.log).toEqual([]);
  });

  it('when the server never answers the cancel, the next run starts on a fresh connection', async () => {
    vi.useFakeTimers();
    const { service } = setup({ drainTimeoutMs: 1000 });
    const sendingFirst = service.makePredictionWithStreaming('first', ...recorder().args);
    FakeWebSocket.last.open();
    await sendingFirst;
    const old = FakeWebSocket.last;
    old.receive({ type: 'status', status: 'processing' });
    service.cancel();

    const second = recorder();
    const sending = service.makePredictionWithStreaming('second', ...second.args);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(old.closedWith).toBe(1000);
    FakeWebSocket.last.open();
    await sending;
    expect(FakeWebSocket.last.actions).toEqual([{ action: 'makecall', prompt: 'second', timezone: 'Europe/Paris' }]);
    old.receive({ type: 'complete', content: completeCall }); // the old socket is detached
    FakeWebSocket.last.receive({ type: 'status', status: 'processing' });
    FakeWebSocket.last.receive({ type: 'text', content: 'fresh' });
    expect(second.log).toEqual(['processing', 'text:fresh']);
  });

  it('cancel before the makecall went out sends nothing', async () => {
    const { service } = setup();
    const run = recorder();
    const sending = service.makePredictionWithStreaming('x', ...run.args);
    service.cancel();
    FakeWebSocket.last.open();
    await sending;
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(run.log).toEqual([]);
  });

  it('starting a new prediction cancels the one in flight', async () => {
    const { service } = setup();
    const first = await startRun(service, 'first');
    const server = FakeWebSocket.last;
    server.receive({ type: 'status', status: 'processing' });
    const second = recorder();
    const sending = service.makePredictionWithStreaming('second', ...second.args);
    await flush();
    server.receive({ type: 'error', code: 'cancelled', message: 'Cancelled' });
    await sending;
    expect(server.actions.map((a) => a.action)).toEqual(['makecall', 'cancel', 'makecall']);
    server.receive({ type: 'status', status: 'processing' });
    server.receive({ type: 'text', content: 'two' });
    expect(first.log).toEqual(['processing']);
    expect(second.log).toEqual(['processing', 'text:two']);
  });

  it('cleanup() closes a connection it opened itself', async () => {
    const service = new PredictionService('ws://test/ws', { webSocket: { WebSocketImpl: FakeWebSocket } });
    const run = await startRun(service);
    service.cleanup();
    expect(FakeWebSocket.last.closedWith).toBe(1000);
    expect(run.log).toEqual([]);
  });
});
