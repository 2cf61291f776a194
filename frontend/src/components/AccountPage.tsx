import { useId, useRef, useState, type FormEvent } from 'react';
import type { CreatedToken, ExportFormat, ImportFormat, ImportReport } from '../api/types';
import { formatDateTime } from '../format';
import { errorText, keys, useCallChanges, useServices, useTokens } from '../queries';
import type { AuthService, AuthUser } from '../services/auth';
import { t } from '../strings';
import { NotificationSettings } from './NotificationSettings';
import { PublicRecord } from './PublicRecord';
import { useQueryClient } from '@tanstack/react-query';

/** Account: who you are, notifications, a public track record, your data in and out, and personal API tokens (with accounts on). */
export function AccountPage({ account, timeZone }: { account: { auth: AuthService; user: AuthUser } | null; timeZone: string }) {
  const [signingOut, setSigningOut] = useState(false);
  return (
    <section className="card account-page" aria-labelledby="account-page-heading">
      <h2 id="account-page-heading" className="view-heading" tabIndex={-1} data-view-heading>
        {t.account.heading}
      </h2>
      {account && (
        <p className="account-who">
          {t.account.signedInAs} <strong>{account.user.username ?? account.user.id}</strong>{' '}
          <button
            type="button"
            className="btn btn-secondary btn-small"
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void account.auth.signOut().finally(() => setSigningOut(false));
            }}
          >
            {signingOut ? t.account.signingOut : t.account.signOut}
          </button>
        </p>
      )}
      <NotificationSettings timeZone={timeZone} />
      <PublicRecord />
      <DataInOut />
      <Tokens enabled={account !== null} timeZone={timeZone} />
    </section>
  );
}

function saveFile(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function DataInOut() {
  const { calls } = useServices();
  const changes = useCallChanges();
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exportResult, setExportResult] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [format, setFormat] = useState<ImportFormat>('calledit');
  const [importing, setImporting] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const ids = { heading: useId(), file: useId(), format: useId(), importHeading: useId() };

  const exportAs = async (kind: ExportFormat) => {
    if (exporting) return;
    setExporting(kind);
    setExportResult(null);
    setExportError(null);
    try {
      const file = await calls.export(kind);
      const name = file.filename ?? `calledit-calls.${kind}`;
      saveFile(file.text, file.type, name);
      setExportResult(t.account.exported(name));
    } catch (error) {
      setExportError(t.account.exportFailed(errorText(error, t.errors.generic)));
    } finally {
      setExporting(null);
    }
  };

  const importFile = async (event: FormEvent) => {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    setReport(null);
    setImportError(null);
    if (!file) {
      setImportError(t.account.importNeedsFile);
      return;
    }
    setImporting(true);
    try {
      const answer = await calls.import(format, await file.text());
      setReport(answer);
      changes.listChanged();
    } catch (error) {
      setImportError(t.account.importFailed(errorText(error, t.errors.generic)));
    } finally {
      setImporting(false);
    }
  };

  return (
    <section className="data-in-out" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>{t.account.data}</h3>
      <p className="hint">{t.account.dataHint}</p>
      <div className="actions">
        <button type="button" className="btn btn-secondary" aria-disabled={exporting !== null} onClick={() => void exportAs('json')}>
          {exporting === 'json' ? t.account.exporting : t.account.exportJson}
        </button>
        <button type="button" className="btn btn-secondary" aria-disabled={exporting !== null} onClick={() => void exportAs('csv')}>
          {exporting === 'csv' ? t.account.exporting : t.account.exportCsv}
        </button>
      </div>
      <div role="status">{exportResult && <p className="notice notice-success">{exportResult}</p>}</div>
      {exportError && (
        <p className="notice notice-error" role="alert">
          {exportError}
        </p>
      )}

      <form className="import-form" aria-labelledby={ids.importHeading} onSubmit={(event) => void importFile(event)}>
        <h4 id={ids.importHeading}>{t.account.importHeading}</h4>
        <div className="form-group">
          <label htmlFor={ids.format}>{t.account.importFormat}</label>
          <select id={ids.format} className="form-control" value={format} onChange={(event) => setFormat(event.target.value as ImportFormat)}>
            <option value="calledit">{t.account.importCalledit}</option>
            <option value="fatebook">{t.account.importFatebook}</option>
          </select>
        </div>
        <div className="form-group">
          <label htmlFor={ids.file}>{t.account.importFile}</label>
          <input id={ids.file} ref={fileRef} type="file" className="form-control" accept={format === 'fatebook' ? '.csv,text/csv' : '.json,application/json'} />
        </div>
        <button type="submit" className="btn btn-primary" aria-disabled={importing}>
          {importing ? t.account.importing : t.account.importButton}
        </button>
      </form>
      <div role="status">
        {report && (
          <div className="notice notice-success import-report">
            <p>{t.account.imported(report.imported, report.skipped)}</p>
            {report.errors.length > 0 && (
              <ul>
                {report.errors.map((problem) => (
                  <li key={`${problem.row}-${problem.message}`}>{t.account.importRow(problem.row, problem.message)}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      {importError && (
        <p className="notice notice-error" role="alert">
          {importError}
        </p>
      )}
    </section>
  );
}

const EXPIRIES = [0, 30, 90, 365];

function Tokens({ enabled, timeZone }: { enabled: boolean; timeZone: string }) {
  const { calls } = useServices();
  const client = useQueryClient();
  const tokens = useTokens(enabled);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { heading: useId(), name: useId(), expiry: useId(), value: useId(), list: useId() };
  const nameRef = useRef<HTMLInputElement>(null);

  if (!enabled) {
    return (
      <section className="tokens" aria-labelledby={ids.heading}>
        <h3 id={ids.heading}>{t.account.tokens}</h3>
        <p className="muted">{t.account.tokensOff}</p>
      </section>
    );
  }

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!name.trim()) {
      setProblem(t.account.tokenNameNeeded);
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      setCreated(await calls.createToken(name.trim(), days || null));
      setCopied(false);
      setName('');
      void client.invalidateQueries({ queryKey: keys.tokens });
    } catch (error) {
      setProblem(t.account.tokenFailed(errorText(error, t.errors.generic)));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string, tokenName: string) => {
    setBusy(true);
    setProblem(null);
    try {
      await calls.revokeToken(id);
      setResult(t.account.revoked(tokenName));
      if (created?.id === id) setCreated(null);
      await client.invalidateQueries({ queryKey: keys.tokens });
    } catch (error) {
      setProblem(t.account.tokenFailed(errorText(error, t.errors.generic)));
    } finally {
      setBusy(false);
    }
  };

  const when = (iso: string | null | undefined) => (iso ? formatDateTime(iso, { timeZone, style: 'medium' }) : null);

  return (
    <section className="tokens" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>{t.account.tokens}</h3>
      <p className="hint">{t.account.tokensHint}</p>
      <form className="token-form" onSubmit={(event) => void create(event)} aria-label={t.account.createToken}>
        <div className="form-group">
          <label htmlFor={ids.name}>{t.account.tokenName}</label>
          <input
            id={ids.name}
            ref={nameRef}
            className="form-control form-input"
            maxLength={100}
            placeholder={t.account.tokenNamePlaceholder}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor={ids.expiry}>{t.account.tokenExpiry}</label>
          <select id={ids.expiry} className="form-control" value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {EXPIRIES.map((value) => (
              <option key={value} value={value}>
                {value === 0 ? t.account.tokenExpiryNever : t.account.tokenExpiryDays(value)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary" aria-disabled={busy}>
          {busy ? t.account.creating : t.account.createToken}
        </button>
      </form>
      {problem && (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      <div role="status">
        {result && <p className="notice notice-success">{result}</p>}
        {created && (
          <div className="notice notice-info token-created">
            <p>{t.account.tokenCreated}</p>
            <label htmlFor={ids.value} className="sr-only">
              {t.account.tokenValue}
            </label>
            <input id={ids.value} className="form-control token-value" readOnly value={created.token} onFocus={(event) => event.target.select()} />
            <div className="actions">
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => {
                  void navigator.clipboard?.writeText(created.token).then(() => setCopied(true), () => undefined);
                }}
              >
                {copied ? t.account.copied : t.account.copy}
              </button>
              <button type="button" className="btn btn-link" onClick={() => setCreated(null)}>
                {t.account.done}
              </button>
            </div>
          </div>
        )}
      </div>
      <h4 id={ids.list}>{t.account.tokenList}</h4>
      {tokens.isError && !tokens.data && (
        <p className="notice notice-error" role="alert">
          {t.account.tokenFailed(errorText(tokens.error, t.errors.network))}
        </p>
      )}
      {tokens.data && tokens.data.length === 0 && <p className="muted">{t.account.noTokens}</p>}
      {tokens.data && tokens.data.length > 0 && (
        <ul className="token-list" aria-labelledby={ids.list}>
          {tokens.data.map((token) => (
            <li key={token.id}>
              <span className="token-name">{token.name}</span>{' '}
              <span className="muted small">{t.account.tokenMeta(when(token.created_at) ?? '', when(token.expires_at), when(token.last_used_at))}</span>{' '}
              <button
                type="button"
                className="btn btn-danger-outline btn-small"
                aria-label={t.account.revoke(token.name)}
                aria-disabled={busy}
                onClick={() => !busy && void revoke(token.id, token.name)}
              >
                {t.account.revokeShort}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
