import { useId, useState, type FormEvent } from 'react';
import type { Comparator, ThresholdCheck } from '../api/types';
import { COMPARATORS, rewordCheck, thresholdCheck, unitOf } from '../checkWords';
import { t } from '../strings';
import type { CallContent } from '../types/protocol';

/** The parts of a call its owner may change before it is verified. */
export type EditableCall = Pick<CallContent, 'prediction_statement' | 'verification_date' | 'verification_method' | 'check'>;

/** An ISO instant as the value of a `datetime-local` input, in the browser's timezone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (browser timezone) as an ISO instant, or null when it is not a date. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const lines = (items: string[] | undefined) => (items ?? []).join('\n');
const unlines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * Edit a call's statement, date, method and check (its condition) before logging it, or before it is
 * verified. `onSave` gets only what changed, and resolves true when it was taken.
 */
export function CallEditor({
  call,
  timeZone,
  logged = false,
  onSave,
  onCancel,
}: {
  call: EditableCall;
  timeZone: string;
  logged?: boolean;
  onSave: (changes: Partial<EditableCall>) => Promise<boolean> | boolean;
  onCancel: () => void;
}) {
  const [statement, setStatement] = useState(call.prediction_statement);
  const [date, setDate] = useState(toLocalInput(call.verification_date));
  const [criteria, setCriteria] = useState(lines(call.verification_method.criteria));
  const [sources, setSources] = useState(lines(call.verification_method.source));
  const [steps, setSteps] = useState(lines(call.verification_method.steps));
  const condition = thresholdCheck(call.check);
  const [comparator, setComparator] = useState<Comparator | ''>(condition?.comparator ?? '');
  const [threshold, setThreshold] = useState(condition ? String(condition.threshold) : '');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { statement: useId(), date: useId(), dateHint: useId(), criteria: useId(), sources: useId(), steps: useId(), comparator: useId(), threshold: useId(), problem: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const changes: Partial<EditableCall> = {};
    if (!statement.trim()) return setProblem(t.edit.empty(t.edit.statement));
    const iso = fromLocalInput(date);
    if (!iso) return setProblem(t.edit.badDate);
    let edited: ThresholdCheck | null = null;
    if (condition) {
      const value = Number(threshold);
      if (!threshold.trim() || !Number.isFinite(value)) return setProblem(t.edit.badThreshold);
      if (comparator && (comparator !== condition.comparator || value !== condition.threshold)) {
        edited = { ...condition, comparator, threshold: value } as ThresholdCheck;
        changes.check = edited;
      }
    }
    const method = { source: unlines(sources), criteria: unlines(criteria), steps: unlines(steps) };
    if (method.criteria.length === 0) return setProblem(t.edit.empty(t.edit.criteria));
    if (method.source.length === 0) return setProblem(t.edit.empty(t.edit.sources));
    if (method.steps.length === 0) return setProblem(t.edit.empty(t.edit.steps));
    // The check's words are the first criterion: keep them saying what the check now does.
    if (edited && condition && method.criteria[0] === call.verification_method.criteria[0]) {
      method.criteria[0] = rewordCheck(method.criteria[0]!, condition, edited);
    }
    if (statement.trim() !== call.prediction_statement) changes.prediction_statement = statement.trim();
    if (new Date(iso).getTime() !== new Date(call.verification_date).getTime()) changes.verification_date = iso;
    if (JSON.stringify(method) !== JSON.stringify(call.verification_method)) changes.verification_method = method;
    setProblem(null);
    if (Object.keys(changes).length === 0) return onCancel();
    setBusy(true);
    const taken = await onSave(changes);
    setBusy(false);
    if (!taken) return;
  };

  return (
    <form className="call-editor" aria-label={t.edit.heading} onSubmit={(event) => void submit(event)}>
      <h4 className="field-label">{t.edit.heading}</h4>
      <div className="form-group">
        <label htmlFor={ids.statement}>{t.edit.statement}</label>
        <textarea id={ids.statement} className="form-control" rows={2} value={statement} onChange={(e) => setStatement(e.target.value)} />
      </div>
      <div className="form-group">
        <label htmlFor={ids.date}>{t.edit.date}</label>
        <input
          id={ids.date}
          type="datetime-local"
          className="form-control form-input"
          value={date}
          aria-describedby={ids.dateHint}
          onChange={(e) => setDate(e.target.value)}
        />
        <p id={ids.dateHint} className="hint">
          {t.edit.dateHint(timeZone)}
        </p>
      </div>
      {condition && (
        <div className="field-row check-edit">
          <div className="form-group">
            <label htmlFor={ids.comparator}>{t.edit.comparator}</label>
            <select id={ids.comparator} className="form-control" value={comparator} onChange={(e) => setComparator(e.target.value as Comparator)}>
              {COMPARATORS.map((symbol) => (
                <option key={symbol} value={symbol}>
                  {t.comparators[symbol]}
                </option>
              ))}
            </select>
          </div>
          <div className="form-group">
            <label htmlFor={ids.threshold}>
              {t.edit.threshold}
              {unitOf(condition) ? ` (${t.edit.thresholdUnit(unitOf(condition))})` : ''}
            </label>
            <input
              id={ids.threshold}
              className="form-control form-input"
              inputMode="decimal"
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
            />
          </div>
        </div>
      )}
      <div className="form-group">
        <label htmlFor={ids.criteria}>{t.edit.criteria}</label>
        <textarea id={ids.criteria} className="form-control" rows={2} value={criteria} onChange={(e) => setCriteria(e.target.value)} />
      </div>
      <div className="form-group">
        <label htmlFor={ids.sources}>{t.edit.sources}</label>
        <textarea id={ids.sources} className="form-control" rows={2} value={sources} onChange={(e) => setSources(e.target.value)} />
      </div>
      <div className="form-group">
        <label htmlFor={ids.steps}>{t.edit.steps}</label>
        <textarea id={ids.steps} className="form-control" rows={3} value={steps} onChange={(e) => setSteps(e.target.value)} />
      </div>
      {problem && (
        <p id={ids.problem} className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {logged ? t.edit.saveLogged : t.edit.save}
        </button>
        <button type="button" className="btn btn-secondary" disabled={busy} onClick={onCancel}>
          {t.edit.cancel}
        </button>
      </div>
    </form>
  );
}
