import { useId, useState } from 'react';
import { ApiError, type CallsApi } from '../services/calls';
import type { CallContent, StoredCall } from '../types/protocol';

interface LogCallProps {
  call: CallContent;
  callsApi: CallsApi;
  onLogged?: (call: StoredCall) => void;
}

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; call: StoredCall }
  | { kind: 'failed'; message: string };

/** "Log Call": store the call (`POST /api/calls`), with the user's own confidence if they give one. */
export function LogCall({ call, callsApi, onLogged }: LogCallProps) {
  const [withConfidence, setWithConfidence] = useState(false);
  const [confidence, setConfidence] = useState(50);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const sliderId = useId();
  const hintId = useId();

  const logCall = async () => {
    setSave({ kind: 'saving' });
    try {
      const stored = await callsApi.create(call, withConfidence ? confidence / 100 : undefined);
      setSave({ kind: 'saved', call: stored });
      onLogged?.(stored);
    } catch (error) {
      const message =
        error instanceof ApiError ? error.message : 'Could not log the call. Please try again.';
      setSave({ kind: 'failed', message });
    }
  };

  const saved = save.kind === 'saved';
  return (
    <form
      className="log-call"
      aria-label="Log this call"
      onSubmit={(event) => {
        event.preventDefault();
        if (save.kind !== 'saving' && !saved) void logCall();
      }}
    >
      <div className="confidence">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={withConfidence}
            disabled={saved}
            onChange={(event) => setWithConfidence(event.target.checked)}
          />
          Add how likely I think it is
        </label>
        <div className="slider-row">
          <label htmlFor={sliderId}>My confidence</label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={100}
            step={5}
            value={confidence}
            disabled={!withConfidence || saved}
            aria-describedby={hintId}
            aria-valuetext={`${confidence}%`}
            onChange={(event) => setConfidence(Number(event.target.value))}
          />
          <output htmlFor={sliderId} className="slider-value" aria-hidden="true">
            {withConfidence ? `${confidence}%` : '—'}
          </output>
        </div>
        <p id={hintId} className="hint">
          Your own probability that it comes true (optional; separate from how verifiable it is).
        </p>
      </div>

      <button type="submit" className="btn btn-success" disabled={save.kind === 'saving' || saved}>
        {save.kind === 'saving' ? 'Logging…' : saved ? 'Logged' : 'Log Call'}
      </button>

      <div role="status" className="log-result">
        {saved && (
          <p className="notice notice-success">
            Call logged. <a href={`#/calls/${encodeURIComponent(save.call.id)}`}>View it in My Calls</a>
          </p>
        )}
      </div>
      {save.kind === 'failed' && (
        <p className="notice notice-error" role="alert">
          Could not log the call: {save.message}
        </p>
      )}
    </form>
  );
}
