import type {
  CallContent,
  ErrorCode,
  ErrorEvent,
  PartialCall,
  ServerEventOf,
  ServerEventType,
  StatusEvent,
} from '../types/protocol';
import { WebSocketService, type ConnectionState, type WebSocketServiceOptions } from './websocket';

/** Protocol error codes, plus the ones the client itself detects. */
export type PredictionErrorCode = ErrorCode | 'connection_failed' | 'connection_lost';

export class PredictionError extends Error {
  constructor(
    readonly code: PredictionErrorCode,
    message: string,
    /** Seconds to wait before retrying (rate_limited). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'PredictionError';
  }
}

/** What `makePredictionWithStreaming` reports beyond the seeds' four callbacks. */
export interface StreamingExtras {
  /** The call's fields parsed so far (each event carries all of them: replace, don't append). */
  onCall?: (call: PartialCall) => void;
  /** Waiting for the model: `position` 1 means next in line. */
  onQueued?: (position: number | null, message: string | undefined) => void;
  /** The run started (`processing`) — after `onQueued`, it means the wait is over. */
  onProcessing?: (message: string | undefined) => void;
}

export interface PredictionServiceOptions {
  /** The user's IANA timezone, sent with each `makecall`. */
  timezone?: () => string;
  /**
   * After a cancel, how long to wait for the server to confirm before the next run drops the
   * connection and starts on a fresh one instead (so nothing of the cancelled run can reach it).
   */
  drainTimeoutMs?: number;
  /** Options for the WebSocketService, when this service builds its own from a URL. */
  webSocket?: WebSocketServiceOptions;
}

interface Run {
  readonly prompt: string;
  /** makecall went out on the socket. */
  sent: boolean;
  /** The server acknowledged it (`status: processing`): events now belong to this run. */
  started: boolean;
  readonly onTextChunk: (text: string) => void;
  readonly onToolUse: (toolName: string, input: Record<string, unknown>) => void;
  readonly onComplete: (call: CallContent) => void;
  readonly onError: (message: string, error: PredictionError) => void;
  readonly extras: StreamingExtras;
}

interface Drain {
  readonly done: Promise<void>;
  readonly finish: () => void;
  timedOut: boolean;
}

export function browserTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Streams one prediction at a time over a WebSocketService.
 *
 * The protocol's events carry no run id, so this class keeps runs apart itself: its handlers are
 * registered once and route every event to the current run only; a cancelled run is "drained" (its
 * remaining events are swallowed until the server answers the cancel) before the next makecall goes
 * out; and a new run ignores everything until the server acknowledges it with `status: processing`.
 */
export class PredictionService {
  readonly webSocket: WebSocketService;
  private readonly ownsSocket: boolean;
  private readonly timezone: () => string;
  private readonly drainTimeoutMs: number;
  private run: Run | null = null;
  private drain: Drain | null = null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(webSocket: string | WebSocketService, options: PredictionServiceOptions = {}) {
    this.ownsSocket = typeof webSocket === 'string';
    this.webSocket =
      typeof webSocket === 'string' ? new WebSocketService(webSocket, options.webSocket) : webSocket;
    this.timezone = options.timezone ?? browserTimezone;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 3000;
    this.listen('status', (event) => this.onStatus(event));
    this.listen('text', (event) => this.current()?.onTextChunk(event.content));
    this.listen('tool', (event) => this.current()?.onToolUse(event.name, event.input ?? {}));
    this.listen('call', (event) => this.current()?.extras.onCall?.(event.call));
    this.listen('complete', (event) => {
      const run = this.current();
      if (!run) return;
      this.run = null;
      run.onComplete(event.content);
    });
    this.listen('error', (event) => this.onErrorEvent(event));
    this.unsubscribe.push(this.webSocket.onStateChange((state) => this.onConnectionState(state)));
  }

  /** Is a prediction in flight (sent or about to be)? */
  get busy(): boolean {
    return this.run !== null;
  }

  /**
   * Send `prompt` and stream the answer into the callbacks. Resolves once the request is sent (or
   * has failed, through `onError`). Starting a new prediction cancels the one in flight, if any.
   */
  async makePredictionWithStreaming(
    prompt: string,
    onTextChunk: (text: string) => void,
    onToolUse: (toolName: string, input: Record<string, unknown>) => void,
    onComplete: (call: CallContent) => void,
    onError: (message: string, error: PredictionError) => void,
    extras: StreamingExtras = {},
  ): Promise<void> {
    if (this.run) this.cancel();
    const run: Run = {
      prompt,
      sent: false,
      started: false,
      onTextChunk,
      onToolUse,
      onComplete,
      onError,
      extras,
    };
    this.run = run;
    try {
      if (this.drain) {
        await this.settlePreviousRun();
        if (this.run !== run) return; // cancelled or replaced while we waited
      }
      await this.webSocket.connect();
      if (this.run !== run) return; // cancelled while connecting: the makecall must not go out
      run.sent = true; // from here on, events may be this run's
      await this.webSocket.send('makecall', { prompt, timezone: this.timezone() });
    } catch (error) {
      if (this.run !== run) return;
      this.run = null;
      const message =
        'Could not reach the CalledIt server. Check your connection and try again.' +
        (error instanceof Error && error.message ? ` (${error.message})` : '');
      run.onError(message, new PredictionError('connection_failed', message));
    }
  }

  /**
   * Stop the prediction in flight. Its callbacks are never called again, whatever the server still
   * sends; the server is asked to stop (`{"action":"cancel"}`).
   */
  cancel(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    if (!run.sent) return; // makecall never went out: nothing to stop on the server
    this.startDrain();
    this.webSocket.send('cancel').catch(() => {
      // The connection is gone, and the run with it: nothing left to drain.
      this.endDrain();
    });
  }

  /** Stop listening (and close the connection if this service opened it). */
  cleanup(): void {
    this.run = null;
    this.endDrain();
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.ownsSocket) this.webSocket.disconnect();
  }

  // --- internals -----------------------------------------------------------------------------------

  private listen<T extends ServerEventType>(type: T, handler: (event: ServerEventOf<T>) => void): void {
    this.unsubscribe.push(this.webSocket.onMessage(type, handler));
  }

  /** The run that events belong to right now, if any. */
  private current(): Run | null {
    if (this.drain) return null; // whatever arrives is the cancelled run's
    const run = this.run;
    return run && run.sent && run.started ? run : null;
  }

  private onStatus(event: StatusEvent): void {
    if (this.drain) return;
    const run = this.run;
    if (!run || !run.sent) return;
    if (event.status === 'processing') {
      run.started = true;
      run.extras.onProcessing?.(event.message ?? undefined);
    } else if (event.status === 'queued' && run.started) {
      run.extras.onQueued?.(event.position ?? null, event.message ?? undefined);
    }
    // `complete` follows the `complete` event, which already ended the run.
  }

  private onErrorEvent(event: ErrorEvent): void {
    if (this.drain) {
      // The server answers every cancel with one error: `cancelled`, or `bad_request` when the run
      // had already ended. Other errors are the cancelled run's own failure: keep draining.
      if (event.code === 'cancelled' || event.code === 'bad_request') this.endDrain();
      return;
    }
    const run = this.run;
    if (!run || !run.sent) return;
    // Before `processing`, an error answers this makecall (bad input, rate limit, busy); a stray
    // `cancelled` cannot, since this run was never cancelled.
    if (!run.started && event.code === 'cancelled') return;
    this.run = null;
    run.onError(event.message, new PredictionError(event.code, event.message, event.retry_after ?? undefined));
  }

  private onConnectionState(state: ConnectionState): void {
    if (state === 'open') return;
    // A run lives on its connection: when the connection goes, so does the run (and any drain).
    this.endDrain();
    const run = this.run;
    if (run && run.sent) {
      this.run = null;
      const message =
        'Lost the connection to the server while your prediction was being processed. Try again.';
      run.onError(message, new PredictionError('connection_lost', message));
    }
  }

  private startDrain(): void {
    if (this.drain) return;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const drain: Drain = { done, finish, timedOut: false };
    const timer = setTimeout(() => {
      drain.timedOut = true;
      drain.finish();
    }, this.drainTimeoutMs);
    void done.then(() => clearTimeout(timer));
    this.drain = drain;
  }

  private endDrain(): void {
    const drain = this.drain;
    this.drain = null;
    drain?.finish();
  }

  /** Wait until a cancelled run can no longer send us anything. */
  private async settlePreviousRun(): Promise<void> {
    const drain = this.drain;
    if (!drain) return;
    await drain.done;
    if (this.drain === drain) this.drain = null;
    if (drain.timedOut) await this.webSocket.reconnect();
  }
}
