import { useId, type ReactNode } from 'react';
import { conditionWords } from '../checkWords';
import { CATEGORY_LABELS, formatDateTime, formatPercent, formatRelative, modeLabel, readable } from '../format';
import { t } from '../strings';
import type { PartialCall } from '../types/protocol';

interface CallDetailsProps {
  call: PartialCall;
  /** Still streaming: fields not known yet show as "waiting" rather than missing. */
  streaming?: boolean;
  /** Show dates in this timezone (default: the browser's). */
  timeZone?: string;
  /**
   * A logged call's page: the statement and its date stay in view, and how it is checked (the date's
   * reasoning, kind, verifiability, what counts, where to look, the owner's own words) folds behind one
   * disclosure, so the page stays short on a phone.
   */
  folded?: boolean;
  /** More for the fold (a logged call's when and by which model). */
  children?: ReactNode;
}

/** The structured call, field by field, in words; renders whatever is known so far. */
export function CallDetails({ call, streaming = false, timeZone, folded = false, children }: CallDetailsProps) {
  const method = call.verification_method ?? {};
  const category = call.verifiable_category;
  const categoryInfo = category ? CATEGORY_LABELS[category] : undefined;
  const pending = streaming ? <span className="pending">{t.card.waiting}</span> : <span className="muted">{t.card.none}</span>;
  const checkWords = method.criteria?.[0];
  const dateReasoning = call.date_reasoning ? <p className="reasoning">{readable(call.date_reasoning, timeZone)}</p> : null;

  const statement = (
    <Field label={t.card.statement}>
      {call.prediction_statement ? <p className="statement">{call.prediction_statement}</p> : pending}
    </Field>
  );
  const date = (
    <Field label={t.card.date}>
      {call.verification_date ? (
        <>
          <p className="date">
            <time dateTime={call.verification_date}>{formatDateTime(call.verification_date, { timeZone })}</time>{' '}
            <span className="muted">{t.card.relativeCheck(formatRelative(call.verification_date))}</span>
          </p>
          {!folded && dateReasoning}
        </>
      ) : (
        pending
      )}
    </Field>
  );
  const kindAndScore = (
    <div className="field-row">
      <Field label={t.card.mode}>
        {call.verification_mode ? <p>{modeLabel(call.verification_mode, call.recurring_interval)}</p> : pending}
      </Field>

      <Field label={t.card.verifiability}>
        {typeof call.verifiability_score === 'number' ? (
          <p className="score">
            <meter
              min={0}
              max={1}
              low={0.4}
              high={0.7}
              optimum={1}
              value={call.verifiability_score}
              aria-label={t.card.verifiabilityLabel}
              aria-valuetext={formatPercent(call.verifiability_score)}
            />{' '}
            <span>{formatPercent(call.verifiability_score)}</span>
          </p>
        ) : (
          pending
        )}
        {call.verifiability_factors && call.verifiability_factors.length > 0 && (
          <details className="score-factors">
            <summary>{t.card.why}</summary>
            <ul>
              {call.verifiability_factors.map((factor, index) => (
                <li key={index}>{factor}</li>
              ))}
            </ul>
          </details>
        )}
      </Field>
    </div>
  );
  const how = (
    <Field label={t.card.category}>
      {category ? (
        <>
          <p>
            <span className={`badge badge-${category}`} title={categoryInfo?.meaning}>
              {categoryInfo?.label ?? readable(category)}
            </span>
          </p>
          {call.category_reasoning && <p className="reasoning">{readable(call.category_reasoning, timeZone)}</p>}
        </>
      ) : (
        pending
      )}
    </Field>
  );
  const counts = <Field label={t.card.check}>{checkWords ? <p className="check-words">{conditionWords(readable(checkWords, timeZone))}</p> : pending}</Field>;
  const sources = <Field label={t.card.sources}>{list(method.source, 'ul', pending, timeZone)}</Field>;
  const steps = <Field label={t.card.steps}>{list(method.steps, 'ol', pending, timeZone)}</Field>;

  if (folded) {
    return (
      <div className="call-details">
        {statement}
        {date}
        <details className="check-details">
          <summary>{t.card.checkDetails}</summary>
          {dateReasoning && <Field label={t.card.dateReasoning}>{dateReasoning}</Field>}
          {counts}
          {kindAndScore}
          {how}
          {sources}
          {steps}
          {call.raw_prompt && (
            <Field label={t.card.yourWords}>
              <p>{call.raw_prompt}</p>
            </Field>
          )}
          {children}
        </details>
      </div>
    );
  }

  return (
    <div className="call-details" aria-busy={streaming}>
      {statement}
      {date}
      {kindAndScore}
      {how}
      {counts}
      <details className="method-details" open={streaming || undefined}>
        <summary>
          {t.card.sources} · {t.card.steps}
        </summary>
        {sources}
        {steps}
      </details>
    </div>
  );
}

function list(items: string[] | undefined, kind: 'ul' | 'ol', pending: ReactNode, timeZone?: string): ReactNode {
  if (!items || items.length === 0) return pending;
  const children = items.map((item, index) => <li key={index}>{readable(item, timeZone)}</li>);
  return kind === 'ol' ? <ol>{children}</ol> : <ul>{children}</ul>;
}

/** One labelled field: a group named by its label, so it can be found by role and name. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  const id = useId();
  return (
    <div className="field" role="group" aria-labelledby={id}>
      <h4 id={id} className="field-label">
        {label}
      </h4>
      <div className="field-value">{children}</div>
    </div>
  );
}
