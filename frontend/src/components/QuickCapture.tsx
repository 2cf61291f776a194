import { useEffect, useReducer, useRef, useState, type KeyboardEvent } from 'react';
import type { StoredCall } from '../api/types';
import { clearDraft, loadDraft, saveDraft, setWelcomed, welcomed } from '../drafts';
import { words } from '../format';
import { parseChance } from '../probability';
import { useServices } from '../queries';
import type { PredictionError, PredictionErrorCode } from '../services/prediction';
import { t } from '../strings';
import { MAX_PROMPT_CHARS, type CallContent, type PartialCall } from '../types/protocol';
import { CallDetails } from './CallDetails';
import { CallEditor, type EditableCall } from './CallEditor';
import { ChanceInput } from './ChanceInput';
import { LogCall } from './LogCall';
import { Welcome } from './Welcome';

type Phase = 'idle' | 'sending' | 'processing' | 'queued' | 'complete' | 'failed' | 'cancelled';

interface RunError {
  code: PredictionErrorCode;
  message: string;
  retryAfter?: number;
}

interface State {
  phase: Phase;
  /** Increments per run; keys per-run children so nothing carries over. */
  run: number;
  submitted: string;
  stream: string;
  partial: PartialCall | null;
  call: CallContent | null;
  queuePosition: number | null;
  activity: string | null;
  error: RunError | null;
  /** The call came back from a draft saved before a reload. */
  restored: boolean;
}

type Action =
  | { type: 'start'; prompt: string }
  | { type: 'processing'; message?: string }
  | { type: 'queued'; position: number | null; message?: string }
  | { type: 'text'; content: string }
  | { type: 'tool'; name: string }
  | { type: 'call'; call: PartialCall }
  | { type: 'complete'; call: CallContent }
  | { type: 'edit'; changes: Partial<EditableCall> }
  | { type: 'failed'; error: RunError }
  | { type: 'cancelled' }
  | { type: 'reset' };

const initialState: State = {
  phase: 'idle',
  run: 0,
  submitted: '',
  stream: '',
  partial: null,
  call: null,
  queuePosition: null,
  activity: null,
  error: null,
  restored: false,
};

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'start':
      return { ...initialState, phase: 'sending', run: state.run + 1, submitted: action.prompt };
    case 'processing':
      return { ...state, phase: 'processing', queuePosition: null, activity: action.message ?? null };
    case 'queued':
      return { ...state, phase: 'queued', queuePosition: action.position, activity: action.message ?? null };
    case 'text':
      return { ...state, phase: 'processing', queuePosition: null, stream: state.stream + action.content };
    case 'tool': {
      const gap = state.stream && !state.stream.endsWith('\n') ? '\n' : '';
      const tool = t.tools[action.name] ?? words(action.name);
      return { ...state, stream: `${state.stream}${gap}${t.capture.usingTool(action.name)}\n`, activity: `${t.capture.status.processing} (${tool})` };
    }
    case 'call':
      // Each event carries every field parsed so far (after a tool call the answer restarts): replace.
      return { ...state, partial: action.call };
    case 'complete':
      return { ...state, phase: 'complete', call: action.call, partial: action.call, queuePosition: null, activity: null };
    case 'edit':
      return state.call ? { ...state, call: { ...state.call, ...action.changes }, partial: { ...state.call, ...action.changes } } : state;
    case 'failed':
      return { ...state, phase: 'failed', error: action.error, queuePosition: null };
    case 'cancelled':
      return { ...state, phase: 'cancelled', queuePosition: null };
    case 'reset':
      return { ...initialState, run: state.run + 1 };
  }
}

const BUSY: ReadonlySet<Phase> = new Set(['sending', 'processing', 'queued']);

/** What to tell the user for each error, so they know what to do next. */
function errorAdvice(error: RunError): string {
  switch (error.code) {
    case 'rate_limited':
      return t.errors.rate_limited(error.retryAfter);
    case 'busy':
      return t.errors.busy;
    case 'model_error':
      return t.errors.model_error;
    case 'bad_request':
    case 'too_large':
      return t.errors.bad_request;
    case 'unauthorized':
      return t.errors.unauthorized;
    case 'forbidden':
      return t.errors.forbidden;
    case 'connection_failed':
    case 'connection_lost':
      return t.errors.connection;
    default:
      return t.errors.internal;
  }
}

function statusText(state: State): string {
  switch (state.phase) {
    case 'sending':
      return t.capture.status.sending;
    case 'processing':
      return state.activity ?? t.capture.status.processing;
    case 'queued':
      return state.queuePosition ? t.capture.status.queuedAt(state.queuePosition) : (state.activity ?? t.capture.status.queued);
    case 'complete':
      return state.restored ? t.capture.draftRestored : t.capture.status.complete;
    case 'cancelled':
      return t.capture.status.cancelled;
    default:
      return '';
  }
}

function restoredState(scope: string): { prompt: string; chance: string; state: State } {
  const draft = loadDraft(scope);
  if (!draft) return { prompt: '', chance: '', state: initialState };
  const result = draft.result && draft.result.submitted === draft.prompt.trim() ? draft.result : null;
  const state: State = result
    ? { ...initialState, phase: 'complete', submitted: result.submitted, call: result.call, partial: result.call, restored: true }
    : initialState;
  return { prompt: draft.prompt, chance: draft.chance, state };
}

/**
 * Quick capture: one line for the prediction, the chance beside it, Enter makes the call. The call
 * fills in field by field as the agent writes it; check it (edit it if need be), then log it. The
 * words, the chance and an unlogged call survive a reload; logging clears them for the next call.
 */
export function QuickCapture({
  timeZone,
  scope = '',
  onLogged,
}: {
  timeZone: string;
  /** Whose drafts (the signed-in user's id; '' with accounts off). */
  scope?: string;
  onLogged?: (call: StoredCall) => void;
}) {
  const { predictions } = useServices();
  const [initial] = useState(() => restoredState(scope));
  const [prompt, setPrompt] = useState(initial.prompt);
  const [chance, setChance] = useState(initial.chance);
  const [state, dispatch] = useReducer(reducer, initial.state);
  const [editing, setEditing] = useState(false);
  const [logged, setLogged] = useState<StoredCall | null>(null);
  const [showWelcome, setShowWelcome] = useState(() => !welcomed());
  const runRef = useRef(0);
  const promptRef = useRef<HTMLInputElement>(null);
  const chanceRef = useRef<HTMLInputElement>(null);
  const streamRef = useRef<HTMLPreElement>(null);
  const busy = BUSY.has(state.phase);
  const wasBusy = useRef(false);
  const parsedChance = parseChance(chance);
  const tooLong = prompt.length > MAX_PROMPT_CHARS;

  // Leaving the page mid-run: stop it, so its events go nowhere.
  useEffect(() => () => predictions.cancel(), [predictions]);

  // The draft follows every keystroke and the finished call, so a reload loses nothing.
  useEffect(() => {
    saveDraft({ prompt, chance, result: state.phase === 'complete' && state.call ? { submitted: state.submitted, call: state.call } : null }, scope);
  }, [prompt, chance, state.phase, state.call, state.submitted, scope]);

  // The Cancel button disappears when a run ends; don't leave keyboard focus on nothing.
  useEffect(() => {
    if (wasBusy.current && !busy && (document.activeElement === document.body || !document.activeElement)) {
      promptRef.current?.focus();
    }
    wasBusy.current = busy;
  }, [busy]);

  useEffect(() => {
    const element = streamRef.current;
    if (element && busy) element.scrollTop = element.scrollHeight;
  }, [state.stream, busy]);

  const start = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || busy || tooLong) return;
    if (parsedChance.kind === 'invalid') {
      chanceRef.current?.focus();
      return;
    }
    const run = ++runRef.current;
    const mine =
      <A extends unknown[]>(handler: (...args: A) => void) =>
      (...args: A) => {
        if (runRef.current === run) handler(...args);
      };
    setEditing(false);
    setLogged(null);
    dispatch({ type: 'start', prompt: trimmed });
    void predictions.makePredictionWithStreaming(
      trimmed,
      mine((content: string) => dispatch({ type: 'text', content })),
      mine((name: string) => dispatch({ type: 'tool', name })),
      mine((call: CallContent) => dispatch({ type: 'complete', call })),
      mine((message: string, error: PredictionError) =>
        dispatch({ type: 'failed', error: { code: error.code, message, retryAfter: error.retryAfter } }),
      ),
      {
        onCall: mine((call: PartialCall) => dispatch({ type: 'call', call })),
        onQueued: mine((position: number | null, message: string | undefined) => dispatch({ type: 'queued', position, message })),
        onProcessing: mine((message: string | undefined) => dispatch({ type: 'processing', message })),
      },
    );
  };

  const cancel = () => {
    if (!busy) return;
    runRef.current += 1; // anything still in flight for this run is now stale
    predictions.cancel();
    dispatch({ type: 'cancelled' });
  };

  const changePrompt = (value: string) => {
    setPrompt(value);
    setLogged(null);
    // A result belongs to the words it was made from: new words, no old call to log by mistake.
    if (!busy && state.phase !== 'idle' && value.trim() !== state.submitted) {
      setEditing(false);
      dispatch({ type: 'reset' });
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape' && busy) {
      event.preventDefault();
      cancel();
    }
  };

  const afterLog = (stored: StoredCall) => {
    setLogged(stored);
    setPrompt('');
    setChance('');
    setEditing(false);
    dispatch({ type: 'reset' });
    clearDraft(scope);
    onLogged?.(stored);
    promptRef.current?.focus();
  };

  const dismissWelcome = () => {
    setWelcomed();
    setShowWelcome(false);
  };

  const statusLine = statusText(state);
  const details = state.call ?? state.partial;
  const showCard = busy || details !== null;

  return (
    <section className="card quick-capture" aria-labelledby="predict-heading">
      <h2 id="predict-heading" className="view-heading" tabIndex={-1} data-view-heading>
        {t.capture.heading}
      </h2>

      <form
        className="capture-form"
        onSubmit={(event) => {
          event.preventDefault();
          start(prompt);
        }}
      >
        <div className="form-group capture-prompt">
          <label htmlFor="prediction-input">{t.capture.promptLabel}</label>
          <input
            id="prediction-input"
            ref={promptRef}
            className="form-control prompt-input"
            value={prompt}
            onChange={(event) => changePrompt(event.target.value)}
            onKeyDown={onKeyDown}
            placeholder={t.capture.promptPlaceholder}
            readOnly={busy}
            autoComplete="off"
            enterKeyHint="go"
            aria-invalid={tooLong || undefined}
            aria-describedby="prediction-hint"
          />
          <p id="prediction-hint" className={tooLong ? 'hint hint-error' : 'hint'}>
            {tooLong ? t.capture.tooLong(MAX_PROMPT_CHARS) : t.capture.promptHint}{' '}
            {prompt.length > MAX_PROMPT_CHARS * 0.8 && (
              <span className="counter">{t.capture.counter(prompt.length, MAX_PROMPT_CHARS)}</span>
            )}
          </p>
        </div>
        <div className="capture-side">
          <ChanceInput value={chance} onChange={setChance} inputRef={chanceRef} showHint={false} />
          <div className="actions">
            {/* aria-disabled (not disabled) while busy, so keyboard focus stays put */}
            <button type="submit" className="btn btn-primary" aria-disabled={busy || !prompt.trim() || tooLong}>
              {busy ? t.capture.working : t.capture.make}
            </button>
            {busy && (
              <button type="button" className="btn btn-secondary" onClick={cancel}>
                {t.capture.cancel}
              </button>
            )}
          </div>
        </div>
        <p className="hint capture-chance-hint">{t.capture.chanceHint}</p>
      </form>

      <p role="status" className={`run-status${statusLine ? '' : ' empty'}`}>
        {state.phase === 'queued' && state.queuePosition !== null && (
          <span className="queue-badge" aria-hidden="true">
            #{state.queuePosition}
          </span>
        )}
        {statusLine}
      </p>

      <div role="status" className="log-result">
        {logged && (
          <p className="notice notice-success">
            {t.log.logged} <a href={`#/calls/${encodeURIComponent(logged.id)}`}>{t.log.view}</a>{' '}
            <span className="muted">{t.log.next}</span>
          </p>
        )}
      </div>

      {state.phase === 'failed' && state.error && (
        <div className="error-message" role="alert">
          <p className="error-title">
            <strong>{t.capture.errorTitle}:</strong> {state.error.message}
          </p>
          <p>{errorAdvice(state.error)}</p>
          <button type="button" className="btn btn-secondary" onClick={() => start(state.submitted)}>
            {t.capture.retry}
          </button>
        </div>
      )}

      {showCard && (
        <section className="prediction-result" aria-labelledby="details-heading" aria-busy={busy}>
          <h3 id="details-heading">{t.capture.cardHeading}</h3>
          {editing && state.call ? (
            <CallEditor
              key={`editor-${state.run}`} // keys are per parent: the raw stream below has its own
              call={state.call}
              timeZone={timeZone}
              onSave={(changes) => {
                dispatch({ type: 'edit', changes });
                setEditing(false);
                return true;
              }}
              onCancel={() => setEditing(false)}
            />
          ) : (
            <CallDetails call={details ?? {}} streaming={busy} timeZone={timeZone} />
          )}
          {state.call && !editing && (
            <div className="result-actions">
              <LogCall key={state.run} call={state.call} chance={parsedChance} onLogged={afterLog} />
              <button type="button" className="btn btn-secondary" onClick={() => setEditing(true)}>
                {t.edit.open}
              </button>
            </div>
          )}
          {(busy || state.stream) && (
            <details className="raw-stream" key={`raw-${state.run}`}>
              <summary>{t.capture.rawToggle}</summary>
              <pre
                ref={streamRef}
                className="streaming-text"
                role="log"
                aria-live="off"
                aria-label={t.capture.rawLabel}
                tabIndex={0} // it scrolls: keyboard users must be able to reach it
              >
                {state.stream}
                {busy && <span className="cursor" aria-hidden="true" />}
              </pre>
            </details>
          )}
        </section>
      )}

      {showWelcome && !showCard && (
        <Welcome
          onExample={(example, exampleChance) => {
            changePrompt(example);
            setChance(exampleChance);
            promptRef.current?.focus();
          }}
          onDismiss={dismissWelcome}
        />
      )}
    </section>
  );
}
