import { useEffect, useId, useRef, useState } from 'react';
import type { CallPatch, Resolution, StoredCall } from '../api/types';
import { formatDateTime } from '../format';
import { chanceText } from '../probability';
import { errorText, useCall, useCallChanges, useHistory, useServices } from '../queries';
import { ApiError } from '../services/http';
import { t } from '../strings';
import { CallOutcome, CallWhen, useNow } from './badges';
import { CallDetails, Field } from './CallDetails';
import { CallEditor } from './CallEditor';
import { SharePanel } from './CallShare';
import { ForecastPanel, HistoryList, ResolvePanel, VerdictPanel, describeChange, undoableChanges } from './CallVerification';
import { Tags } from './Tags';

type Busy = null | 'resolve' | 'undo' | 'confidence' | 'check' | 'edit' | 'tags';

/** One logged call: everything about it, its forecast, verdict and history, resolving it, and delete. */
export function CallView({
  id,
  timeZone,
  onDeleted,
  onWillChange,
}: {
  id: string;
  timeZone: string;
  onDeleted?: (call: StoredCall) => void;
  /** About to change the call: the verdict event the server sends for it is this view's own doing. */
  onWillChange?: (id: string) => void;
}) {
  const { calls, verification } = useServices();
  const changes = useCallChanges();
  const callQuery = useCall(id);
  const historyQuery = useHistory(id);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [sharing, setSharing] = useState(false);
  const shareButtonRef = useRef<HTMLButtonElement>(null);
  const sharePanelId = useId();
  const [busy, setBusy] = useState<Busy>(null);
  const [result, setResult] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const undoHintId = useId();
  const verifyHeadingRef = useRef<HTMLHeadingElement>(null);
  const now = useNow();
  const history = historyQuery.data;

  // After a change, the button pressed may be gone (the last Undo): keep keyboard focus in the section.
  const acted = useRef(false);
  useEffect(() => {
    if (!acted.current || busy !== null) return;
    if (document.activeElement === document.body || document.activeElement === null) {
      acted.current = false;
      verifyHeadingRef.current?.focus();
    }
  }, [busy, history]);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const remove = async (call: StoredCall) => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await calls.remove(call.id);
      changes.listChanged(call.id);
      onDeleted?.(call);
    } catch (error) {
      setDeleteError(errorText(error, t.errors.generic));
      setDeleting(false);
    }
  };

  /** Run one change to the call; true when it worked. */
  const change = async (kind: Exclude<Busy, null | 'check'>, run: () => Promise<StoredCall>, done: (call: StoredCall) => string) => {
    if (busy) return false;
    setBusy(kind);
    setResult(null);
    setActionError(null);
    onWillChange?.(id);
    try {
      const call = await run();
      changes.changed(call);
      setResult(done(call));
      return true;
    } catch (error) {
      setActionError(errorText(error, t.call.changeFailed));
      return false;
    } finally {
      acted.current = true;
      setBusy(null);
    }
  };

  const patch = (kind: 'edit' | 'tags' | 'confidence', body: CallPatch, done: (call: StoredCall) => string) =>
    change(kind, () => calls.update(id, body), done);

  const checkNow = async () => {
    if (busy) return;
    setBusy('check');
    setResult(null);
    setActionError(null);
    try {
      await verification.checkNow(id);
      void historyQuery.refetch();
      setResult(t.call.askedCheck);
    } catch (error) {
      setActionError(errorText(error, t.call.checkFailed));
    } finally {
      setBusy(null);
    }
  };

  const call = callQuery.data;
  const missing = callQuery.error instanceof ApiError && callQuery.error.status === 404;
  const editable = call ? call.status !== 'verified' && call.status !== 'void' : false;

  return (
    <section className="card call-view" aria-labelledby="call-heading" aria-busy={callQuery.isPending}>
      <p className="back">
        <a href="#/calls">{t.call.back}</a>
      </p>
      <div className="view-title">
        <h2 id="call-heading" className="view-heading" tabIndex={-1} data-view-heading>
          {t.call.heading}
        </h2>
        {call && (
          <div className="view-title-actions">
            {!editing && editable && (
              <button type="button" className="btn btn-secondary btn-small" aria-disabled={busy !== null} onClick={() => !busy && setEditing(true)}>
                {t.edit.openLogged}
              </button>
            )}
            <button
              ref={shareButtonRef}
              type="button"
              className="btn btn-secondary btn-small"
              aria-expanded={sharing}
              aria-controls={sharing ? sharePanelId : undefined}
              onClick={() => setSharing(!sharing)}
            >
              {t.share.open}
            </button>
          </div>
        )}
      </div>
      {call && sharing && (
        <SharePanel
          call={call}
          id={sharePanelId}
          onClose={() => {
            setSharing(false);
            shareButtonRef.current?.focus();
          }}
        />
      )}

      {callQuery.isPending && <p role="status">{t.call.loading}</p>}

      {callQuery.isError && !call && (
        <div className="error-message" role="alert">
          <p>{missing ? t.call.missing : errorText(callQuery.error, t.call.loadFailed)}</p>
          {!missing && (
            <button type="button" className="btn btn-secondary" onClick={() => void callQuery.refetch()}>
              {t.app.tryAgain}
            </button>
          )}
        </div>
      )}

      {call && (
        <>
          <p className="meta call-view-meta">
            <CallOutcome call={call} />
            <span>
              <CallWhen call={call} timeZone={timeZone} now={now} />
            </span>
          </p>
          <VerdictPanel call={call} timeZone={timeZone} />
          {editing ? (
            <CallEditor
              call={{ ...call, check: call.check ?? null }}
              timeZone={timeZone}
              logged
              onSave={async (edited) => {
                const ok = await patch('edit', edited, () => t.edit.savedLogged);
                if (ok) setEditing(false);
                return ok;
              }}
              onCancel={() => setEditing(false)}
            />
          ) : (
            <CallDetails call={call} timeZone={timeZone} folded>
              <p className="muted small">{t.call.meta(formatDateTime(call.created_at, { timeZone, style: 'medium' }), call.timezone, call.model)}</p>
            </CallDetails>
          )}
          <Field label={t.tags.label}>
            <Tags
              tags={call.tags ?? []}
              statement={call.prediction_statement}
              busy={busy !== null}
              onChange={(tags) => patch('tags', { tags }, () => t.edit.savedLogged)}
            />
          </Field>

          <ForecastPanel
            call={call}
            history={history}
            busy={busy !== null}
            timeZone={timeZone}
            onSave={(confidence) =>
              patch('confidence', { confidence }, (updated) =>
                updated.confidence === null ? t.forecast.cleared : t.forecast.saved(chanceText(updated.confidence ?? 0)),
              )
            }
          />

          <section className="verify" aria-labelledby="verify-heading">
            <h3 id="verify-heading" ref={verifyHeadingRef} tabIndex={-1}>
              {t.call.verify}
            </h3>
            <NextCheck call={call} nextCheckAt={history?.next_check_at ?? null} attempts={history?.attempts ?? 0} known={Boolean(history)} timeZone={timeZone} />
            {call.verifiable_category !== 'human_verifiable_only' && (call.status === 'pending' || call.status === 'inconclusive') && (
              <p>
                <button type="button" className="btn btn-secondary btn-small" aria-disabled={busy !== null} onClick={() => void checkNow()}>
                  {busy === 'check' ? t.call.asking : t.call.checkNow}
                </button>
              </p>
            )}

            <ResolvePanel
              call={call}
              busy={busy !== null}
              onResolve={(resolution: Resolution, note) =>
                change('resolve', () => verification.resolve(id, resolution, note), () => t.resolve.done[resolution])
              }
            />

            {history && undoableChanges(history).length > 0 && (
              <div className="undo">
                <button
                  type="button"
                  className="btn btn-secondary"
                  aria-disabled={busy !== null}
                  aria-describedby={undoHintId}
                  onClick={() => {
                    const last = undoableChanges(history).at(-1)!;
                    void change('undo', () => verification.undo(id), () => t.call.undone(describeChange(last, history.changes)));
                  }}
                >
                  {busy === 'undo' ? t.call.undoing : t.call.undo}
                </button>{' '}
                <span id={undoHintId} className="hint">
                  {t.call.undoHint(describeChange(undoableChanges(history).at(-1)!, history.changes))}
                </span>
              </div>
            )}

            <div role="status" className="action-result">
              {result && <p className="notice notice-success">{result}</p>}
            </div>
            {actionError && (
              <p className="notice notice-error" role="alert">
                {actionError}
              </p>
            )}

            {history && (
              <details className="history-section">
                <summary className="history-summary">{t.call.history}</summary>
                <HistoryList history={history} timeZone={timeZone} />
              </details>
            )}
          </section>

          <div className="danger-zone">
            {!confirming ? (
              <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
                {t.call.delete}
              </button>
            ) : (
              <div role="group" aria-label={t.call.confirmGroup} className="confirm">
                <p>{t.call.confirmDelete}</p>
                <button ref={confirmRef} type="button" className="btn btn-danger" disabled={deleting} onClick={() => void remove(call)}>
                  {deleting ? t.call.deleting : t.call.yesDelete}
                </button>{' '}
                <button type="button" className="btn btn-secondary" disabled={deleting} onClick={() => setConfirming(false)}>
                  {t.call.keep}
                </button>
              </div>
            )}
            {deleteError && (
              <p className="notice notice-error" role="alert">
                {t.call.deleteFailed(deleteError)}
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** When the agent looks next, or why it will not. */
function NextCheck({
  call,
  nextCheckAt,
  attempts,
  known,
  timeZone,
}: {
  call: StoredCall;
  nextCheckAt: string | null;
  attempts: number;
  known: boolean;
  timeZone?: string;
}) {
  if (call.verifiable_category === 'human_verifiable_only') return <p className="muted">{t.call.onlyYou}</p>;
  if (!known) return null;
  if (nextCheckAt) return <p>{t.call.nextCheck(formatDateTime(nextCheckAt, { timeZone, style: 'medium' }), attempts)}</p>;
  if (call.status === 'pending' || call.status === 'inconclusive') return <p className="muted">{t.call.noPlan}</p>;
  return null;
}
