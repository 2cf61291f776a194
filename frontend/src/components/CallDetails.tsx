import { useId, type ReactNode } from 'react';
import { CATEGORY_LABELS, formatDateTime, formatPercent, modeLabel } from '../format';
import type { PartialCall, VerifiableCategory } from '../types/protocol';

interface CallDetailsProps {
  call: PartialCall;
  /** Still streaming: fields not known yet show as "waiting" rather than missing. */
  streaming?: boolean;
  /** Show dates in this timezone (default: the browser's). */
  timeZone?: string;
}

/** The structured call, field by field; renders whatever is known so far. */
export function CallDetails({ call, streaming = false, timeZone }: CallDetailsProps) {
  const method = call.verification_method ?? {};
  const category = call.verifiable_category;
  const categoryInfo = category ? CATEGORY_LABELS[category as VerifiableCategory] : undefined;
  const pending = streaming ? <span className="pending">waiting…</span> : <span className="muted">—</span>;

  return (
    <div className="call-details" aria-busy={streaming}>
      <Field label="Prediction">
        {call.prediction_statement ? <p className="statement">{call.prediction_statement}</p> : pending}
      </Field>

      <Field label="Verification date">
        {call.verification_date ? (
          <>
            <p className="date">
              <time dateTime={call.verification_date}>
                {formatDateTime(call.verification_date, { timeZone })}
              </time>
            </p>
            {call.date_reasoning && <p className="reasoning">{call.date_reasoning}</p>}
          </>
        ) : (
          pending
        )}
      </Field>

      <div className="field-row">
        <Field label="Mode">
          {call.verification_mode ? (
            <p>{modeLabel(call.verification_mode, call.recurring_interval)}</p>
          ) : (
            pending
          )}
        </Field>

        <Field label="Verifiability">
          {typeof call.verifiability_score === 'number' ? (
            <p className="score">
              <meter
                min={0}
                max={1}
                low={0.4}
                high={0.7}
                optimum={1}
                value={call.verifiability_score}
                aria-label="Verifiability score"
                aria-valuetext={formatPercent(call.verifiability_score)}
              />{' '}
              <span>{formatPercent(call.verifiability_score)}</span>
            </p>
          ) : (
            pending
          )}
        </Field>
      </div>

      <Field label="Category">
        {category ? (
          <>
            <p>
              <span className={`badge badge-${category}`} title={categoryInfo?.meaning}>
                {categoryInfo?.label ?? category}
              </span>{' '}
              <code className="muted small">{category}</code>
            </p>
            {call.category_reasoning && <p className="reasoning">{call.category_reasoning}</p>}
          </>
        ) : (
          pending
        )}
      </Field>

      <Field label="Sources">{list(method.source, 'ul', pending)}</Field>
      <Field label="Criteria">{list(method.criteria, 'ul', pending)}</Field>
      <Field label="Steps">{list(method.steps, 'ol', pending)}</Field>
    </div>
  );
}

function list(items: string[] | undefined, kind: 'ul' | 'ol', pending: ReactNode): ReactNode {
  if (!items || items.length === 0) return pending;
  const children = items.map((item, index) => <li key={index}>{item}</li>);
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
