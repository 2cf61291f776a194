import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Channel, ChannelHealth, ChosenEvent, NotificationSettings as Settings, WebhookFormat } from '../api/types';
import { formatDateTime } from '../format';
import { errorText, keys, useNotificationSettings, useServices } from '../queries';
import { t } from '../strings';

const EVENTS: readonly ChosenEvent[] = ['verdict', 'due', 'digest'];
const CHANNELS: readonly Channel[] = ['inapp', 'email', 'webhook'];
const FORMATS: readonly WebhookFormat[] = ['json', 'slack', 'discord'];
/** How long after a test to look at the channels' health again (the delivery loop runs every few seconds). */
const TEST_RECHECK_MS = 4_000;

/** Account → Notifications: which events go to which channel, the email and webhook channels with their health. */
export function NotificationSettings({ timeZone }: { timeZone?: string }) {
  const { notifications } = useServices();
  const client = useQueryClient();
  const query = useNotificationSettings();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const recheck = useRef<ReturnType<typeof setTimeout> | null>(null);
  const headingId = useId();
  const settings = query.data;

  useEffect(() => () => {
    if (recheck.current) clearTimeout(recheck.current);
  }, []);

  /** Run one change; the answer is the new settings. True when it worked. */
  const save = async (run: () => Promise<Settings | null>, done: string): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    setResult(null);
    setProblem(null);
    try {
      const next = await run();
      if (next) client.setQueryData(keys.notificationSettings, next);
      else await client.invalidateQueries({ queryKey: keys.notificationSettings });
      setResult(done);
      return true;
    } catch (error) {
      setProblem(t.notify.failed(errorText(error, t.errors.generic)));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const sendTest = async () => {
    if (busy) return;
    setBusy(true);
    setResult(null);
    setProblem(null);
    try {
      const queued = await notifications.sendTest();
      setResult(t.notify.testSent(queued.channels.map((channel) => t.notify.channels[channel] ?? channel).join(', ')));
      if (recheck.current) clearTimeout(recheck.current);
      recheck.current = setTimeout(() => void client.invalidateQueries({ queryKey: keys.notificationSettings }), TEST_RECHECK_MS);
    } catch (error) {
      setProblem(t.notify.failed(errorText(error, t.errors.generic)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="notify" aria-labelledby={headingId}>
      <h3 id={headingId}>{t.notify.heading}</h3>
      <p className="hint">{t.notify.hint}</p>
      {query.isPending && <p className="muted">{t.notify.loading}</p>}
      {query.isError && !settings && (
        <p className="notice notice-error" role="alert">
          {t.notify.loadFailed(errorText(query.error, t.errors.network))}
        </p>
      )}
      {settings && (
        <>
          <EventTable
            settings={settings}
            busy={busy}
            onChoose={(event, channel, on) => void save(() => notifications.chooseEvents({ [event]: { [channel]: on } }), t.notify.saved)}
          />
          <EmailChannel settings={settings} busy={busy} timeZone={timeZone} save={save} />
          <WebhookChannel settings={settings} busy={busy} timeZone={timeZone} save={save} />
          <p>
            <button type="button" className="btn btn-secondary" aria-disabled={busy} onClick={() => void sendTest()}>
              {busy ? t.notify.testing : t.notify.test}
            </button>
          </p>
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

type Save = (run: () => Promise<Settings | null>, done: string) => Promise<boolean>;

function isSetUp(settings: Settings, channel: Channel): boolean {
  if (channel === 'email') return settings.email !== null;
  if (channel === 'webhook') return settings.webhook !== null;
  return true;
}

/** Events down, channels across: a checkbox each. */
function EventTable({
  settings,
  busy,
  onChoose,
}: {
  settings: Settings;
  busy: boolean;
  onChoose: (event: ChosenEvent, channel: Channel, on: boolean) => void;
}) {
  const headingId = useId();
  const anyMissing = CHANNELS.some((channel) => !isSetUp(settings, channel));
  return (
    <div className="notify-events-wrap">
      <h4 id={headingId}>{t.notify.eventsHeading}</h4>
      <table className="notify-events" aria-labelledby={headingId}>
        <caption>{t.notify.eventsCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.notify.event}</th>
            {CHANNELS.map((channel) => (
              <th key={channel} scope="col">
                {t.notify.channels[channel]}
                {!isSetUp(settings, channel) && <span className="channel-off">{t.notify.notSetUp}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {EVENTS.map((event) => (
            <tr key={event}>
              <th scope="row">
                {t.notify.events[event].label}
                <span className="hint">{t.notify.events[event].hint}</span>
              </th>
              {CHANNELS.map((channel) => (
                <td key={channel}>
                  <label>
                    <input
                      type="checkbox"
                      checked={settings.events[event]?.[channel] ?? false}
                      aria-label={t.notify.choice(t.notify.events[event].label, t.notify.channels[channel] ?? channel)}
                      aria-disabled={busy}
                      onChange={(change) => {
                        if (!busy) onChoose(event, channel, change.target.checked);
                      }}
                    />
                  </label>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {anyMissing && <p className="hint">{t.notify.notSetUpHint}</p>}
    </div>
  );
}

/** A channel's health in words; a failing or dead one says why and what to do. */
export function HealthLine({ health, timeZone }: { health: ChannelHealth; timeZone?: string }) {
  const when = (iso: string | null) => (iso ? formatDateTime(iso, { timeZone, style: 'medium' }) : null);
  let text: ReactNode;
  if (health.status === 'dead') text = t.notify.health.dead;
  else if (health.status === 'failing') text = t.notify.health.failing(health.failures);
  else if (health.status === 'ok') text = t.notify.health.ok;
  else text = t.notify.health.unused;
  const troubled = health.status === 'dead' || health.status === 'failing';
  return (
    <div className={`channel-health channel-health-${health.status}`}>
      <p className={troubled ? undefined : 'muted'}>
        <strong>{text}</strong>
        {health.status === 'dead' && health.dead_since && <> ({when(health.dead_since)})</>}
      </p>
      {troubled && health.last_error && (
        <p>
          {t.notify.lastError(health.last_error)}
          {health.last_failure_at && <span className="muted"> · {when(health.last_failure_at)}</span>}
        </p>
      )}
    </div>
  );
}

function EmailChannel({ settings, busy, timeZone, save }: { settings: Settings; busy: boolean; timeZone?: string; save: Save }) {
  const { notifications } = useServices();
  const [address, setAddress] = useState(settings.email?.address ?? '');
  const [missing, setMissing] = useState(false);
  const ids = { heading: useId(), address: useId(), error: useId() };
  const current = settings.email;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = address.trim();
    setMissing(!value);
    if (!value) return;
    await save(() => notifications.setEmail(value), t.notify.emailSaved(value));
  };

  return (
    <section className="notify-channel" aria-labelledby={ids.heading}>
      <h4 id={ids.heading}>{t.notify.emailHeading}</h4>
      {current && (
        <>
          <p>
            {t.notify.emailCurrent(current.address)}{' '}
            <button
              type="button"
              className="btn btn-danger-outline btn-small"
              aria-disabled={busy}
              onClick={() => void save(async () => (await notifications.removeChannel('email'), null), t.notify.removed(t.notify.emailHeading.toLowerCase()))}
            >
              {t.notify.remove(t.notify.emailHeading.toLowerCase())}
            </button>
          </p>
          <HealthLine health={current.health} timeZone={timeZone} />
        </>
      )}
      {!settings.email_available ? (
        <p className="muted">{t.notify.emailOff}</p>
      ) : (
        <form className="channel-form" aria-labelledby={ids.heading} onSubmit={(event) => void submit(event)} noValidate>
          <div className="form-group">
            <label htmlFor={ids.address}>{t.notify.emailAddress}</label>
            <input
              id={ids.address}
              type="email"
              className="form-control form-input"
              autoComplete="email"
              maxLength={254}
              placeholder={t.notify.emailPlaceholder}
              value={address}
              aria-invalid={missing || undefined}
              aria-describedby={missing ? ids.error : undefined}
              onChange={(event) => setAddress(event.target.value)}
            />
            {missing && (
              <p id={ids.error} className="hint hint-error">
                {t.notify.emailNeeded}
              </p>
            )}
          </div>
          <div>
            <button type="submit" className="btn btn-primary" aria-disabled={busy}>
              {t.notify.emailSave}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function WebhookChannel({ settings, busy, timeZone, save }: { settings: Settings; busy: boolean; timeZone?: string; save: Save }) {
  const { notifications } = useServices();
  const current = settings.webhook;
  const [url, setUrl] = useState(current?.url ?? '');
  const [format, setFormat] = useState<WebhookFormat>(current?.format ?? 'json');
  const [secret, setSecret] = useState('');
  const [made, setMade] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [missing, setMissing] = useState(false);
  const ids = { heading: useId(), url: useId(), format: useId(), secret: useId(), secretHint: useId(), error: useId(), made: useId(), hint: useId() };
  const secretRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (made) secretRef.current?.focus();
  }, [made]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = url.trim();
    setMissing(!value);
    if (!value) return;
    setMade(null);
    await save(async () => {
      const saved = await notifications.setWebhook(value, format, secret.trim() || undefined);
      setSecret('');
      setCopied(false);
      setMade(saved.secret);
      return saved.settings;
    }, t.notify.webhookSaved);
  };

  return (
    <section className="notify-channel" aria-labelledby={ids.heading}>
      <h4 id={ids.heading}>{t.notify.webhookHeading}</h4>
      <p id={ids.hint} className="hint">
        {t.notify.webhookHint}
      </p>
      {current && (
        <>
          <p className="break">
            {t.notify.webhookCurrent(current.url, t.notify.formats[current.format] ?? current.format)}{' '}
            <button
              type="button"
              className="btn btn-danger-outline btn-small"
              aria-disabled={busy}
              onClick={() =>
                void save(async () => {
                  await notifications.removeChannel('webhook');
                  setMade(null);
                  return null;
                }, t.notify.removed(t.notify.webhookHeading.toLowerCase()))
              }
            >
              {t.notify.remove(t.notify.webhookHeading.toLowerCase())}
            </button>
          </p>
          <HealthLine health={current.health} timeZone={timeZone} />
        </>
      )}
      {made && (
        <div className="notice notice-info token-created">
          <p>{t.notify.secretMade}</p>
          <label htmlFor={ids.made} className="sr-only">
            {t.notify.secretValue}
          </label>
          <input id={ids.made} ref={secretRef} className="form-control token-value" readOnly value={made} onFocus={(event) => event.target.select()} />
          <div className="actions">
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => {
                void navigator.clipboard?.writeText(made).then(() => setCopied(true), () => undefined);
              }}
            >
              {copied ? t.account.copied : t.account.copy}
            </button>
            <button type="button" className="btn btn-link" onClick={() => setMade(null)}>
              {t.account.done}
            </button>
          </div>
        </div>
      )}
      <form className="channel-form" aria-labelledby={ids.heading} onSubmit={(event) => void submit(event)} noValidate>
        <div className="form-group">
          <label htmlFor={ids.url}>{t.notify.webhookUrl}</label>
          <input
            id={ids.url}
            type="url"
            className="form-control form-input"
            maxLength={2000}
            placeholder={t.notify.webhookPlaceholder}
            value={url}
            aria-invalid={missing || undefined}
            aria-describedby={missing ? `${ids.hint} ${ids.error}` : ids.hint}
            onChange={(event) => setUrl(event.target.value)}
          />
          {missing && (
            <p id={ids.error} className="hint hint-error">
              {t.notify.webhookNeeded}
            </p>
          )}
        </div>
        <div className="form-group">
          <label htmlFor={ids.format}>{t.notify.webhookFormat}</label>
          <select id={ids.format} className="form-control" value={format} onChange={(event) => setFormat(event.target.value as WebhookFormat)}>
            {FORMATS.map((value) => (
              <option key={value} value={value}>
                {t.notify.formats[value]}
              </option>
            ))}
          </select>
        </div>
        <div className="form-group">
          <label htmlFor={ids.secret}>{t.notify.webhookSecret}</label>
          <input
            id={ids.secret}
            className="form-control form-input"
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            value={secret}
            aria-describedby={ids.secretHint}
            onChange={(event) => setSecret(event.target.value)}
          />
          <p id={ids.secretHint} className="hint">
            {t.notify.webhookSecretHint}
          </p>
        </div>
        <div>
          <button type="submit" className="btn btn-primary" aria-disabled={busy}>
            {t.notify.webhookSave}
          </button>
        </div>
      </form>
    </section>
  );
}
