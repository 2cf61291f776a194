import { useEffect, useId, useRef, useState } from 'react';
import { VERDICT_LABELS, formatDateTime, formatPercent } from '../format';
import type { StoredCall, Verdict } from '../types/protocol';
import type { CallChange, CallHistory, CallState, Resolution } from '../types/verification';
import { VerdictBadge } from './badges';
import { Field } from './CallDetails';

/** Who set a verdict: the agent names its model; a verdict set by hand has none. */
export function verdictBy(verdict: Verdict): string {
  return verdict.model ? `the agent (${verdict.model})` : 'you';
}

/** The verdict with its evidence, reasoning, confidence, when and by whom; or that the call is void. */
export function VerdictPanel({ call, timeZone }: { call: StoredCall; timeZone?: string }) {
  const verdict = call.verdict;
  if (!verdict) {
    if (call.status !== 'void') return null;
    return (
      <div className="verdict-panel verdict-panel-void">
        <Field label="Verdict">
          <p>Void: this call was set aside, so it counts neither way in your track record.</p>
        </Field>
      </div>
    );
  }
  const byHand = verdict.model === null;
  return (
    <div className={`verdict-panel verdict-panel-${verdict.verdict}`}>
      <Field label="Verdict">
        <p>
          <VerdictBadge verdict={verdict.verdict} />{' '}
          {byHand ? 'set by you on' : <>with {formatPercent(verdict.confidence)} confidence, checked</>}{' '}
          <time dateTime={verdict.verified_at}>{formatDateTime(verdict.verified_at, { timeZone, style: 'medium' })}</time>
          {verdict.model && <> by {verdictBy(verdict)}</>}
        </p>
        {verdict.reasoning && <p className="reasoning">{verdict.reasoning}</p>}
        {verdict.evidence.length > 0 && (
          <ul className="evidence" aria-label="Evidence">
            {verdict.evidence.map((item, index) => (
              <li key={index}>
                <span className="evidence-source">{byHand && item.source === 'owner' ? 'You' : item.source}</span>
                <span className="evidence-finding">{item.finding}</span>
                {item.criterion && <span className="evidence-criterion">Criterion: {item.criterion}</span>}
              </li>
            ))}
          </ul>
        )}
      </Field>
    </div>
  );
}

const RESOLVE_BUTTONS: Array<{ resolution: Resolution; label: string; hint: string; className: string }> = [
  { resolution: 'confirmed', label: 'Mark confirmed', hint: 'it came true', className: 'btn-success' },
  { resolution: 'refuted', label: 'Mark refuted', hint: 'it did not', className: 'btn-danger' },
  { resolution: 'void', label: 'Mark void', hint: 'it cannot be judged', className: 'btn-secondary' },
];

/** Resolve by hand, or override the agent's verdict. */
export function ResolvePanel({
  call,
  busy,
  onResolve,
}: {
  call: StoredCall;
  busy: boolean;
  /** Resolves true when it worked (the note is then cleared). */
  onResolve: (resolution: Resolution, note: string) => Promise<boolean>;
}) {
  const [note, setNote] = useState('');
  const noteId = useId();
  const hintId = useId();
  const headingId = useId();
  const agentVerdict = call.verdict !== null && Boolean(call.verdict.model);
  const settled = call.status === 'verified' || call.status === 'void';
  const heading = agentVerdict
    ? "Override the agent's verdict"
    : settled
      ? 'Change your resolution'
      : 'Resolve it yourself';

  return (
    <section className="resolve" aria-labelledby={headingId}>
      <h3 id={headingId}>{heading}</h3>
      <p id={hintId} className="hint">
        {agentVerdict
          ? 'If the agent got it wrong, say what really happened. Your verdict replaces its one and stops its checks; you can undo it.'
          : 'Say whether it came true. This stops the agent’s checks; you can undo it.'}
      </p>
      <div className="form-group">
        <label htmlFor={noteId}>Note (optional)</label>
        <input
          id={noteId}
          className="form-control form-input"
          maxLength={2000}
          value={note}
          placeholder="How do you know?"
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
      <div className="actions" role="group" aria-label="Resolution" aria-describedby={hintId}>
        {RESOLVE_BUTTONS.map((button) => (
          <button
            key={button.resolution}
            type="button"
            className={`btn ${button.className}`}
            title={button.hint}
            aria-disabled={busy}
            onClick={() => {
              if (busy) return;
              void onResolve(button.resolution, note).then((done) => done && setNote(''));
            }}
          >
            {button.label}
          </button>
        ))}
      </div>
    </section>
  );
}

/** The user's own confidence, shown, and adjustable with a slider. */
export function ConfidenceEditor({
  confidence,
  busy,
  onSave,
}: {
  confidence: number | null;
  busy: boolean;
  onSave: (confidence: number | null) => Promise<boolean>;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(() => Math.round((confidence ?? 0.5) * 100));
  const sliderId = useId();
  const hintId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const sliderRef = useRef<HTMLInputElement>(null);
  const moved = useRef(false);

  // Opening puts focus on the slider, closing back on the button (the form and its buttons are gone).
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    (editing ? sliderRef : toggleRef).current?.focus();
  }, [editing]);

  const open = (next: boolean) => {
    moved.current = true;
    setEditing(next);
  };

  const save = async (next: number | null) => {
    if (await onSave(next)) open(false);
  };

  if (!editing) {
    return (
      <p className="confidence-line">
        <span>{confidence === null ? 'Not given' : formatPercent(confidence)}</span>{' '}
        <button
          ref={toggleRef}
          type="button"
          className="btn btn-link"
          disabled={busy}
          aria-label={confidence === null ? 'Add my confidence' : 'Change my confidence'}
          onClick={() => {
            setValue(Math.round((confidence ?? 0.5) * 100));
            open(true);
          }}
        >
          {confidence === null ? 'Add' : 'Change'}
        </button>
      </p>
    );
  }
  return (
    <form
      className="confidence-editor"
      aria-label="Change my confidence"
      onSubmit={(event) => {
        event.preventDefault();
        void save(value / 100);
      }}
    >
      <div className="slider-row">
        <label htmlFor={sliderId}>New confidence</label>
        <input
          ref={sliderRef}
          id={sliderId}
          type="range"
          min={0}
          max={100}
          step={5}
          value={value}
          aria-describedby={hintId}
          aria-valuetext={`${value}%`}
          onChange={(event) => setValue(Number(event.target.value))}
        />
        <output htmlFor={sliderId} className="slider-value" aria-hidden="true">
          {value}%
        </output>
      </div>
      <p id={hintId} className="hint">
        Your own probability that it comes true. Your track record scores it once the call is resolved.
      </p>
      <div className="actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
          Save confidence
        </button>
        {confidence !== null && (
          <button type="button" className="btn btn-secondary btn-small" disabled={busy} onClick={() => void save(null)}>
            Clear it
          </button>
        )}
        <button type="button" className="btn btn-secondary btn-small" disabled={busy} onClick={() => open(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Changes that undo would step back through, newest last (the server's rule, mirrored). */
export function undoableChanges(history: CallHistory): CallChange[] {
  const undone = new Set(history.changes.map((change) => change.undoes).filter(Boolean));
  return history.changes.filter((change) => change.action !== 'undone' && !undone.has(change.id));
}

function outcome(state: CallState): string {
  if (state.status === 'void') return 'Void';
  if (state.verdict) {
    const label = VERDICT_LABELS[state.verdict.verdict] ?? state.verdict.verdict;
    return state.verdict.model ? `${label} (${formatPercent(state.verdict.confidence)} sure)` : label;
  }
  return 'Pending';
}

function confidenceText(value: number | null): string {
  return value === null ? 'none' : formatPercent(value);
}

/** One history entry in words: "The agent verified it: Confirmed (99% sure)". */
export function describeChange(change: CallChange, all: CallChange[] = []): string {
  const who = change.actor === 'agent' ? 'The agent' : 'You';
  switch (change.action) {
    case 'verified':
      return change.after.status === 'inconclusive'
        ? `${who} could not settle it after every retry: ${outcome(change.after)}`
        : `${who} verified it: ${outcome(change.after)}`;
    case 'checked':
      return `${who} checked it: ${outcome(change.after)}${change.after.next_check_at ? ', and will look again' : ''}`;
    case 'resolved':
      return change.after.status === 'void' ? `${who} marked it void` : `${who} resolved it: ${outcome(change.after)}`;
    case 'overridden':
      return `${who} overrode the agent's verdict: ${outcome(change.after)}`;
    case 'confidence':
      return `${who} set your confidence: ${confidenceText(change.before.confidence)} → ${confidenceText(change.after.confidence)}`;
    case 'undone': {
      const target = all.find((entry) => entry.id === change.undoes);
      return target ? `${who} undid “${describeChange(target, all)}”` : `${who} undid an earlier change`;
    }
  }
}

/** Every change to the call, oldest first. */
export function HistoryList({ history, timeZone }: { history: CallHistory; timeZone?: string }) {
  const undone = new Set(history.changes.map((change) => change.undoes).filter(Boolean));
  if (history.changes.length === 0) {
    return <p className="muted">No changes yet: it was logged and nothing has happened to it since.</p>;
  }
  return (
    <ol className="history">
      {history.changes.map((change) => (
        <li key={change.id} className={undone.has(change.id) ? 'undone' : undefined}>
          <time dateTime={change.at}>{formatDateTime(change.at, { timeZone, style: 'medium' })}</time>{' '}
          <span className="history-what">{describeChange(change, history.changes)}</span>
          {change.note && change.action !== 'undone' && <span className="history-note"> — “{change.note}”</span>}
          {undone.has(change.id) && <span className="badge history-undone">undone</span>}
        </li>
      ))}
    </ol>
  );
}
