import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { errorText, keys, usePublicProfile, useServices } from '../queries';
import { t } from '../strings';

/** Account → Public track record: a switch (off by default), and the page's address while it is on. */
export function PublicRecord() {
  const { verification } = useServices();
  const client = useQueryClient();
  const profile = usePublicProfile();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const ids = { heading: useId(), hint: useId(), toggle: useId() };
  const current = profile.data;

  const turn = async (enabled: boolean) => {
    if (busy) return;
    setBusy(true);
    setResult(null);
    setProblem(null);
    setCopied(false);
    try {
      const next = await verification.setPublicProfile(enabled);
      client.setQueryData(keys.publicProfile, next);
      setResult(next.enabled ? t.publicRecord.turnedOn : t.publicRecord.turnedOff);
    } catch (error) {
      setProblem(t.publicRecord.failed(errorText(error, t.errors.generic)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="public-record" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>{t.publicRecord.heading}</h3>
      <p id={ids.hint} className="hint">
        {t.publicRecord.hint}
      </p>
      {profile.isPending && <p className="muted">{t.publicRecord.loading}</p>}
      {profile.isError && !current && (
        <p className="notice notice-error" role="alert">
          {t.publicRecord.loadFailed(errorText(profile.error, t.errors.network))}
        </p>
      )}
      {current && (
        <>
          <label className="checkbox" htmlFor={ids.toggle}>
            <input
              id={ids.toggle}
              type="checkbox"
              role="switch"
              checked={current.enabled}
              aria-describedby={ids.hint}
              aria-disabled={busy}
              onChange={(event) => void turn(event.target.checked)}
            />
            {t.publicRecord.toggle}
          </label>
          {current.enabled && current.url ? (
            <p className="public-record-url">
              {t.publicRecord.on}{' '}
              <a href={current.url} className="break" target="_blank" rel="noopener noreferrer">
                {current.url}
              </a>{' '}
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => {
                  void navigator.clipboard?.writeText(current.url ?? '').then(() => setCopied(true), () => undefined);
                }}
              >
                {copied ? t.publicRecord.copied : t.publicRecord.copy}
              </button>
            </p>
          ) : (
            <p className="muted">{t.publicRecord.off}</p>
          )}
        </>
      )}
      <div role="status">{result && <p className="notice notice-success">{result}</p>}</div>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
