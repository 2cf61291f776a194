import { useEffect, useId, useRef, useState } from 'react';
import type { CallChange, CallHistory, CallState, Resolution, StoredCall, Verdict } from '../api/types';
import { formatDateTime, formatPercent, readable, readableNote, verdictLabel } from '../format';
import { chanceText, parseChance } from '../probability';
import { t } from '../strings';
import { OutcomeBadge } from './badges';
import { ChanceInput } from './ChanceInput';
import { Field } from './CallDetails';

/** Who set a verdict: the agent (its model is named under "Why"), or you (a verdict set by hand has no model). */
export function verdictBy(verdict: Verdict): string {
  return verdict.model ? t.call.byTheAgent : t.call.byYou;
}

/** The verdict with its evidence, reasoning, confidence, when and by whom; or that the call is void. */
export function VerdictPanel({ call, timeZone }: { call: StoredCall; timeZone?: string }) {
  const verdict = call.verdict;
  if (!verdict) {
    if (call.status !== 'void') return null;
    return (
      <div className="verdict-panel verdict-panel-void">
        <Field label={t.call.verdictHeading}>
          <p>{t.call.voidText}</p>
        </Field>
      </div>
    );
  }
  const byHand = !verdict.model;
  const outcome = verdict.verdict === 'confirmed' ? 'called_it' : verdict.verdict === 'refuted' ? 'missed_it' : 'waiting_for_you';
  const evidence = verdict.evidence;
  const reasoning = verdict.reasoning ? <p className="reasoning">{readable(verdict.reasoning, timeZone)}</p> : null;
  const evidenceList = (
    <ul className="evidence" aria-label={t.call.evidence}>
      {evidence.map((item, index) => (
        <li key={index}>
          <span className="evidence-source">{byHand && item.source === 'owner' ? t.call.you : item.source}</span>
          <span className="evidence-finding">{readable(item.finding, timeZone)}</span>
          {item.criterion && <span className="evidence-criterion">{t.call.criterion(readable(item.criterion, timeZone))}</span>}
        </li>
      ))}
    </ul>
  );
  return (
    <div className={`verdict-panel verdict-panel-${verdict.verdict}`}>
      <Field label={t.call.verdictHeading}>
        <p>
          <OutcomeBadge outcome={outcome} />{' '}
          {!byHand && <>{t.call.agentSure(formatPercent(verdict.confidence))}, </>}
          <time dateTime={verdict.verified_at}>{formatDateTime(verdict.verified_at, { timeZone, style: 'medium' })}</time>{' '}
          {t.call.verdictBy(verdictBy(verdict))}
        </p>
        {byHand ? (
          <>
            {reasoning}
            {evidence.length > 0 && evidenceList}
          </>
        ) : (
          (
            // The agent's reasoning and evidence can run long: folded, so the page stays short on a phone.
            <details className="evidence-details">
              <summary>{evidence.length > 0 ? t.call.whyAndEvidence(evidence.length) : t.call.why}</summary>
              <p className="muted small">{t.call.checkedBy(verdict.model!)}</p>
              {reasoning}
              {evidence.length > 0 && evidenceList}
            </details>
          )
        )}
      </Field>
    </div>
  );
}

const RESOLVE_BUTTONS: Array<{ resolution: Resolution; label: string; hint: string; className: string }> = [
  { resolution: 'confirmed', label: t.resolve.confirmed, hint: t.resolve.confirmedHint, className: 'btn-success' },
  { resolution: 'refuted', label: t.resolve.refuted, hint: t.resolve.refutedHint, className: 'btn-danger' },
  { resolution: 'void', label: t.resolve.void, hint: t.resolve.voidHint, className: 'btn-secondary' },
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
  const heading = agentVerdict ? t.resolve.override : settled ? t.resolve.change : t.resolve.resolve;

  return (
    <section className="resolve" aria-labelledby={headingId}>
      <h3 id={headingId}>{heading}</h3>
      <p id={hintId} className="hint">
        {agentVerdict ? t.resolve.hintOverride : t.resolve.hint}
      </p>
      <div className="actions" role="group" aria-label={t.resolve.group} aria-describedby={hintId}>
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
      <div className="form-group">
        <label htmlFor={noteId}>{t.resolve.note}</label>
        <input
          id={noteId}
          className="form-control form-input"
          maxLength={2000}
          value={note}
          placeholder={t.resolve.notePlaceholder}
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
    </section>
  );
}

/** Forecast updates: the owner's chance, changed over time; each update is kept in the history. */
export function forecastUpdates(history: CallHistory | null | undefined): CallChange[] {
  if (!history) return [];
  const undone = new Set(history.changes.map((change) => change.undoes).filter(Boolean));
  return history.changes.filter((change) => change.action === 'confidence' && !undone.has(change.id));
}

/** Your chance now, a way to update it, and every update so far. */
export function ForecastPanel({
  call,
  history,
  busy,
  timeZone,
  onSave,
}: {
  call: StoredCall;
  history: CallHistory | null | undefined;
  busy: boolean;
  timeZone?: string;
  onSave: (confidence: number | null) => Promise<boolean>;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const headingId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const moved = useRef(false);
  const confidence = call.confidence ?? null;
  const updates = forecastUpdates(history);
  const parsed = parseChance(value);

  // Opening puts focus on the field, closing back on the button (the form and its buttons are gone).
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    (editing ? inputRef : toggleRef).current?.focus();
  }, [editing]);

  const open = (next: boolean) => {
    moved.current = true;
    setEditing(next);
  };

  const save = async (next: number | null) => {
    if (await onSave(next)) open(false);
  };

  return (
    <section className="forecast" aria-labelledby={headingId}>
      <h3 id={headingId}>{t.forecast.heading}</h3>
      {!editing ? (
        <p className="confidence-line">
          <span className="forecast-now">{confidence === null ? t.forecast.none : t.forecast.current(chanceText(confidence))}</span>{' '}
          <button
            ref={toggleRef}
            type="button"
            className="btn btn-secondary btn-small"
            disabled={busy}
            onClick={() => {
              setValue(confidence === null ? '' : chanceText(confidence));
              open(true);
            }}
          >
            {confidence === null ? t.forecast.add : t.forecast.update}
          </button>
        </p>
      ) : (
        <form
          className="confidence-editor"
          aria-label={t.forecast.update}
          onSubmit={(event) => {
            event.preventDefault();
            if (parsed.kind === 'ok') void save(parsed.value);
          }}
        >
          <ChanceInput value={value} onChange={setValue} label={t.forecast.newLabel} inputRef={inputRef} />
          <div className="actions">
            <button type="submit" className="btn btn-primary btn-small" disabled={busy || parsed.kind !== 'ok'}>
              {t.forecast.save}
            </button>
            {confidence !== null && (
              <button type="button" className="btn btn-secondary btn-small" disabled={busy} onClick={() => void save(null)}>
                {t.forecast.clear}
              </button>
            )}
            <button type="button" className="btn btn-secondary btn-small" disabled={busy} onClick={() => open(false)}>
              {t.forecast.cancel}
            </button>
          </div>
        </form>
      )}
      <p className="hint">{t.forecast.hint}</p>
      {updates.length > 0 && (
        <>
          <h4 className="field-label">{t.forecast.updates}</h4>
          <ol className="forecast-updates">
            {updates.map((change) => (
              <li key={change.id}>
                <time dateTime={change.at}>{formatDateTime(change.at, { timeZone, style: 'medium' })}</time>{' '}
                <strong>{t.forecast.step(confidenceText(change.before.confidence), confidenceText(change.after.confidence))}</strong>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** Changes that undo would step back through, newest last (the server's rule, mirrored). */
export function undoableChanges(history: CallHistory): CallChange[] {
  const undone = new Set(history.changes.map((change) => change.undoes).filter(Boolean));
  return history.changes.filter((change) => change.action !== 'undone' && !undone.has(change.id));
}

function outcome(state: CallState): string {
  if (state.status === 'void') return t.outcome.void;
  if (state.verdict) {
    const label = verdictLabel(state.verdict.verdict);
    return state.verdict.model ? `${label} (${t.call.agentSure(formatPercent(state.verdict.confidence))})` : label;
  }
  return state.status === 'inconclusive' ? t.outcome.waiting_for_you : t.outcome.checking;
}

const TERMS = ['prediction_statement', 'verification_date', 'verification_method', 'check'] as const;

function tagsText(tags: string[] | null | undefined): string {
  return tags && tags.length > 0 ? tags.map((tag) => `#${tag}`).join(' ') : t.history.none;
}

function confidenceText(value: number | null | undefined): string {
  return value === null || value === undefined ? t.history.none : chanceText(value);
}

/** One history entry in words: "The agent settled it: Called it (99% sure)". */
export function describeChange(change: CallChange, all: CallChange[] = []): string {
  const who = change.actor === 'agent' ? t.history.agent : t.history.you;
  switch (change.action) {
    case 'verified':
      return change.after.status === 'inconclusive' ? t.history.gaveUp(who, outcome(change.after)) : t.history.verified(who, outcome(change.after));
    case 'checked':
      return t.history.checked(who, outcome(change.after), Boolean(change.after.next_check_at));
    case 'resolved':
      return change.after.status === 'void' ? t.history.voided(who) : t.history.resolved(who, outcome(change.after));
    case 'overridden':
      return t.history.overridden(who, outcome(change.after));
    case 'confidence':
      return t.history.confidence(who, confidenceText(change.before.confidence), confidenceText(change.after.confidence));
    case 'undone': {
      const target = all.find((entry) => entry.id === change.undoes);
      return target ? t.history.undid(who, describeChange(target, all)) : t.history.undidSomething(who);
    }
    case 'tagged':
      return t.history.tagged(who, tagsText(change.before.tags), tagsText(change.after.tags));
    case 'edited': {
      const before = change.before.terms;
      const after = change.after.terms;
      const fields = before && after ? TERMS.filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])) : [];
      return fields.length > 0 ? t.history.edited(who, fields.map((name) => t.history.fields[name] ?? name).join(', ')) : t.history.editedSomething(who);
    }
    default:
      return t.history.other(who);
  }
}

/** Every change to the call, oldest first. */
export function HistoryList({ history, timeZone }: { history: CallHistory; timeZone?: string }) {
  const undone = new Set(history.changes.map((change) => change.undoes).filter(Boolean));
  if (history.changes.length === 0) return <p className="muted">{t.call.noHistory}</p>;
  return (
    <ol className="history">
      {history.changes.map((change) => (
        <li key={change.id} className={undone.has(change.id) ? 'undone' : undefined}>
          <time dateTime={change.at}>{formatDateTime(change.at, { timeZone, style: 'medium' })}</time>{' '}
          <span className="history-what">{describeChange(change, history.changes)}</span>
          {change.note && change.action !== 'undone' && <span className="history-note"> — {change.actor === 'owner' ? `“${change.note}”` : readableNote(change.note, timeZone)}</span>}
          {undone.has(change.id) && <span className="badge history-undone">{t.call.undoneBadge}</span>}
        </li>
      ))}
    </ol>
  );
}
