import { useEffect, useReducer, useRef, useState, type KeyboardEvent } from 'react';
import { userTimeZone } from '../format';
import type { CallsApi } from '../services/calls';
import type { PredictionError, PredictionErrorCode, PredictionService } from '../services/prediction';
import { MAX_PROMPT_CHARS, type CallContent, type PartialCall, type StoredCall } from '../types/protocol';
import { CallDetails } from './CallDetails';
import { LogCall } from './LogCall';

interface StreamingPredictionProps {
  predictionService: PredictionService;
  callsApi: CallsApi;
  /** Show dates in this timezone (default: the browser's). */
  timeZone?: string;
  onLogged?: (call: StoredCall) => void;
}

type Phase = 'idle' | 'sending' | 'processing' | 'queued' | 'complete' | 'failed' | 'cancelled';

interface RunError {
  code: PredictionErrorCode;
  message: string;
  retryAfter?: number;
}

interface State {
  phase: Phase;
  /** Increments per run; keys per-run children (the Log Call form) so nothing carries over. */
  run: number;
  submitted: string;
  stream: string;
  partial: PartialCall | null;
  call: CallContent | null;
  queuePosition: number | null;
  statusMessage: string | null;
  error: RunError | null;
}

type Action =
  | { type: 'start'; prompt: string }
  | { type: 'processing'; message?: string }
  | { type: 'queued'; position: number | null; message?: string }
  | { type: 'text'; content: string }
  | { type: 'tool'; name: string }
  | { type: 'call'; call: PartialCall }
  | { type: 'complete'; call: CallContent }
  | { type: 'failed'; error: RunError }
  | { type: 'cancelled' };

const initialState: State = {
  phase: 'idle',
  run: 0,
  submitted: '',
  stream: '',
  partial: null,
  call: null,
  queuePosition: null,
  statusMessage: null,
  error: null,
};

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'start':
      return { ...initialState, phase: 'sending', run: state.run + 1, submitted: action.prompt };
    case 'processing':
      return { ...state, phase: 'processing', queuePosition: null, statusMessage: action.message ?? null };
    case 'queued':
      return { ...state, phase: 'queued', queuePosition: action.position, statusMessage: action.message ?? null };
    case 'text':
      return { ...state, phase: 'processing', queuePosition: null, stream: state.stream + action.content };
    case 'tool': {
      const gap = state.stream && !state.stream.endsWith('\n') ? '\n' : '';
      return { ...state, stream: `${state.stream}${gap}[Using tool: ${action.name}]\n` };
    }
    case 'call':
      // Each event carries every field parsed so far (after a tool call the answer restarts): replace.
      return { ...state, partial: action.call };
    case 'complete':
      return { ...state, phase: 'complete', call: action.call, partial: action.call, queuePosition: null };
    case 'failed':
      return { ...state, phase: 'failed', error: action.error, queuePosition: null };
    case 'cancelled':
      return { ...state, phase: 'cancelled', queuePosition: null };
  }
}

const BUSY: ReadonlySet<Phase> = new Set(['sending', 'processing', 'queued']);

/** What to tell the user for each error, so they know what to do next. */
function errorAdvice(error: RunError): string {
  switch (error.code) {
    case 'rate_limited':
      return error.retryAfter
        ? `You're sending predictions too quickly. Try again in ${Math.ceil(error.retryAfter)} seconds.`
        : "You're sending predictions too quickly. Wait a moment, then try again.";
    case 'busy':
      return 'A prediction is already running on this connection. Wait for it to finish, or cancel it.';
    case 'model_error':
      return 'The model could not finish this prediction. Try again, or rephrase it.';
    case 'bad_request':
    case 'too_large':
      return 'Please change your prediction and try again.';
    case 'unauthorized':
      return 'Your sign-in expired while this ran. The page renews it by itself: try again (you will be asked to sign in if it cannot).';
    case 'forbidden':
      return 'You are not allowed to do this. Sign in again, then retry.';
    case 'connection_failed':
    case 'connection_lost':
      return 'Check your connection; the page reconnects on its own. Then try again.';
    default:
      return 'Something went wrong on our side. Try again in a moment.';
  }
}

function statusText(state: State): string {
  switch (state.phase) {
    case 'sending':
      return 'Sending your prediction…';
    case 'processing':
      return state.statusMessage ?? 'Working on your prediction…';
    case 'queued':
      return state.queuePosition
        ? `Waiting for the model: you are number ${state.queuePosition} in line.`
        : (state.statusMessage ?? 'Waiting for the model…');
    case 'complete':
      return 'Your call is ready: review it below, then log it.';
    case 'cancelled':
      return 'Prediction cancelled.';
    default:
      return '';
  }
}

/** Make a prediction, watch the agent's work stream in, and log the resulting call. */
export default function StreamingPrediction({
  predictionService,
  callsApi,
  timeZone,
  onLogged,
}: StreamingPredictionProps) {
  const [prompt, setPrompt] = useState('');
  const [state, dispatch] = useReducer(reducer, initialState);
  const runRef = useRef(0);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const streamRef = useRef<HTMLPreElement>(null);
  const busy = BUSY.has(state.phase);
  const wasBusy = useRef(false);
  const zone = timeZone ?? userTimeZone();

  // Leaving the page mid-run: stop it, so its events go nowhere.
  useEffect(() => () => predictionService.cancel(), [predictionService]);

  // The Cancel button disappears when a run ends; don't leave keyboard focus on nothing.
  useEffect(() => {
    if (wasBusy.current && !busy && (document.activeElement === document.body || !document.activeElement)) {
      textareaRef.current?.focus();
    }
    wasBusy.current = busy;
  }, [busy]);

  // Keep the newest text in view while it streams.
  useEffect(() => {
    const element = streamRef.current;
    if (element && busy) element.scrollTop = element.scrollHeight;
  }, [state.stream, busy]);

  const start = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || busy) return;
    const run = ++runRef.current;
    const mine = <A extends unknown[]>(handler: (...args: A) => void) => (...args: A) => {
      if (runRef.current === run) handler(...args);
    };
    dispatch({ type: 'start', prompt: trimmed });
    void predictionService.makePredictionWithStreaming(
      trimmed,
      mine((content: string) => dispatch({ type: 'text', content })),
      mine((name: string) => dispatch({ type: 'tool', name })),
      mine((call: CallContent) => dispatch({ type: 'complete', call })),
      mine((message: string, error: PredictionError) =>
        dispatch({ type: 'failed', error: { code: error.code, message, retryAfter: error.retryAfter } }),
      ),
      {
        onCall: mine((call: PartialCall) => dispatch({ type: 'call', call })),
        onQueued: mine((position: number | null, message: string | undefined) =>
          dispatch({ type: 'queued', position, message }),
        ),
        onProcessing: mine((message: string | undefined) => dispatch({ type: 'processing', message })),
      },
    );
  };

  const cancel = () => {
    if (!busy) return;
    runRef.current += 1; // anything still in flight for this run is now stale
    predictionService.cancel();
    dispatch({ type: 'cancelled' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape' && busy) {
      event.preventDefault();
      cancel();
      return;
    }
    if (event.key !== 'Enter' || event.nativeEvent.isComposing) return;
    // Ctrl/Cmd+Enter always submits; plain Enter submits too; Shift+Enter makes a new line.
    if (event.shiftKey && !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    formRef.current?.requestSubmit();
  };

  const statusLine = statusText(state);
  const showStream = busy || state.stream.length > 0;
  const details = state.call ?? state.partial;

  return (
    <section className="card streaming-prediction" aria-labelledby="predict-heading">
      <h2 id="predict-heading" tabIndex={-1} data-view-heading>
        Make a Prediction
      </h2>

      <form
        ref={formRef}
        onSubmit={(event) => {
          event.preventDefault();
          start(prompt);
        }}
      >
        <div className="form-group">
          <label htmlFor="prediction-input">Your Prediction:</label>
          <textarea
            id="prediction-input"
            ref={textareaRef}
            value={prompt}
            onChange={(event) => setPrompt(event.target.value)}
            onKeyDown={onKeyDown}
            placeholder="e.g. Bitcoin will close above $100k before the end of 2026"
            rows={4}
            maxLength={MAX_PROMPT_CHARS}
            readOnly={busy}
            aria-describedby="prediction-hint"
            className="form-control"
          />
          <p id="prediction-hint" className="hint">
            Say what will happen and, if you can, when. Enter or Ctrl+Enter submits; Shift+Enter adds a line.{' '}
            <span className="counter">
              {prompt.length}/{MAX_PROMPT_CHARS}
            </span>
          </p>
        </div>

        <div className="actions">
          {/* aria-disabled (not disabled) while busy, so keyboard focus stays put */}
          <button
            type="submit"
            className="btn btn-primary"
            disabled={!busy && !prompt.trim()}
            aria-disabled={busy || !prompt.trim()}
          >
            {busy ? 'Processing...' : 'Make Prediction'}
          </button>
          {busy && (
            <button type="button" className="btn btn-secondary" onClick={cancel}>
              Cancel
            </button>
          )}
        </div>
      </form>

      <p role="status" className={`run-status${statusLine ? '' : ' empty'}`}>
        {state.phase === 'queued' && state.queuePosition !== null && (
          <span className="queue-badge" aria-hidden="true">
            #{state.queuePosition}
          </span>
        )}
        {statusLine}
      </p>

      {state.phase === 'failed' && state.error && (
        <div className="error-message" role="alert">
          <p className="error-title">
            <strong>Error:</strong> {state.error.message}
          </p>
          <p>{errorAdvice(state.error)}</p>
          <button type="button" className="btn btn-secondary" onClick={() => start(state.submitted)}>
            Try again
          </button>
        </div>
      )}

      {showStream && (
        <section className="streaming-response" aria-labelledby="stream-heading">
          <h3 id="stream-heading">{busy ? 'Processing your prediction...' : 'Agent output'}</h3>
          {/* Open while it streams; tucked away once the call is complete. */}
          <details key={state.run} open={state.phase !== 'complete'}>
            <summary>Raw stream from the agent</summary>
            <pre
              ref={streamRef}
              className="streaming-text"
              role="log"
              aria-live="polite"
              aria-label="Live output from the agent"
              tabIndex={0} // it scrolls: keyboard users must be able to reach it
            >
              {state.stream}
              {busy && <span className="cursor" aria-hidden="true" />}
            </pre>
          </details>
        </section>
      )}

      {details && (
        <section className="prediction-result" aria-labelledby="details-heading">
          <h3 id="details-heading">Prediction Details</h3>
          <CallDetails call={details} streaming={busy} timeZone={zone} />
          {state.call && (
            <LogCall key={state.run} call={state.call} callsApi={callsApi} onLogged={onLogged} />
          )}
        </section>
      )}
    </section>
  );
}
