import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { InAppNotification } from '../api/types';
import { errorText, useBell, useBellChanges, useServices } from '../queries';
import { t } from '../strings';
import { RelativeTime, useNow } from './badges';

/** Where focus goes once the panel has re-rendered: the bell, the panel's heading, or one item. */
type FocusTarget = { kind: 'button' } | { kind: 'heading' } | { kind: 'item'; id: string };

/**
 * The bell in the header: the unread count (live: `notification` events on the WebSocket update it),
 * and a panel of your notifications to mark read or follow to their call. A disclosure: the button
 * says whether it is open, focus moves into the panel and back, Escape or a click outside closes it.
 * `onScreen` is the call whose page is open: that page announces its verdicts, so the bell does not too.
 * `quietVerdicts`: the app announces every verdict itself (its "just checked" notice), so the bell
 * announces only the other kinds (a call due, the digest).
 */
export function NotificationBell({
  timeZone,
  onScreen = null,
  quietVerdicts = false,
}: {
  timeZone?: string;
  onScreen?: string | null;
  quietVerdicts?: boolean;
}) {
  const { webSocket, notifications } = useServices();
  const bell = useBell();
  const changes = useBellChanges();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const focusTarget = useRef<FocusTarget | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const ids = { panel: useId(), heading: useId(), item: useId() };
  const now = useNow();
  const unread = bell.data?.unread ?? 0;
  const items = bell.data?.items ?? [];
  const itemId = (id: string) => `${ids.item}-${id}`;

  useEffect(
    () =>
      webSocket.onMessage('notification', (event) => {
        changes.arrived(event.notification, event.unread);
        const { kind, call_id: callId } = event.notification;
        const announcedElsewhere = kind === 'verdict' && (quietVerdicts || (callId && callId === onScreen));
        if (!announcedElsewhere) setAnnouncement(t.bell.arrived(event.notification.title, event.unread));
      }),
    [webSocket, changes, onScreen, quietVerdicts],
  );

  // Focus moves after the render that changed what is on screen (a marked item loses its button).
  useEffect(() => {
    const target = focusTarget.current;
    if (!target) return;
    focusTarget.current = null;
    if (target.kind === 'button') buttonRef.current?.focus();
    else if (target.kind === 'heading') headingRef.current?.focus();
    else (document.getElementById(`${ids.item}-${target.id}`) ?? headingRef.current)?.focus();
  });

  // A click or tap outside closes the panel (focus stays where the user put it).
  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const toggle = () => {
    const next = !open;
    setOpen(next);
    setProblem(null);
    if (next) {
      void bell.refetch();
      focusTarget.current = { kind: 'heading' };
    }
  };

  const close = (focusBell: boolean) => {
    setOpen(false);
    if (focusBell) focusTarget.current = { kind: 'button' };
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open) {
      event.stopPropagation();
      close(true);
    }
  };

  const markRead = async (notification: InAppNotification | null, keepFocus = true) => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const ids = notification ? [notification.id] : null;
      const left = await notifications.markRead(ids ?? undefined);
      changes.read(ids, left);
      if (!notification) setAnnouncement(t.bell.allRead);
      if (keepFocus) focusTarget.current = notification ? { kind: 'item', id: notification.id } : { kind: 'heading' };
    } catch (error) {
      setProblem(t.bell.markFailed(errorText(error, t.errors.generic)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className="bell"
      ref={rootRef}
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tabbing out of the panel closes it, so it never covers the page behind the keyboard's back.
        const next = event.relatedTarget as Node | null;
        if (open && next && rootRef.current && !rootRef.current.contains(next)) setOpen(false);
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={ids.panel}
        onClick={toggle}
      >
        <BellIcon />
        <span className="sr-only">{t.bell.label(unread)}</span>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      <span className="sr-only" role="status" aria-live="polite">
        {announcement}
      </span>

      <section id={ids.panel} className="bell-panel" aria-labelledby={ids.heading} hidden={!open}>
        <div className="bell-panel-head">
          <h2 id={ids.heading} ref={headingRef} tabIndex={-1}>
            {t.bell.heading}
          </h2>
          {unread > 0 && (
            <button type="button" className="btn btn-secondary btn-small" aria-disabled={busy} onClick={() => void markRead(null)}>
              {t.bell.markAll}
            </button>
          )}
          <button type="button" className="btn btn-link bell-close" aria-label={t.bell.close} onClick={() => close(true)}>
            {t.bell.closeShort}
          </button>
        </div>
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        {bell.isPending && <p className="muted">{t.bell.loading}</p>}
        {bell.isError && !bell.data && (
          <p className="notice notice-error" role="alert">
            {t.bell.failed(errorText(bell.error, t.errors.network))}
          </p>
        )}
        {bell.data && items.length === 0 && <p className="muted">{t.bell.empty}</p>}
        {items.length > 0 && (
          <ul className="bell-list" aria-labelledby={ids.heading}>
            {items.map((item) => {
              const isUnread = item.read_at === null;
              return (
                <li key={item.id} className={isUnread ? 'bell-item bell-item-unread' : 'bell-item'}>
                  <p className="bell-item-title" id={itemId(item.id)} tabIndex={-1}>
                    {isUnread && <span className="bell-dot" aria-hidden="true" />}
                    {isUnread && <span className="sr-only">{t.bell.unread}: </span>}
                    {item.title}
                  </p>
                  {item.body && <p className="bell-item-body">{item.body}</p>}
                  <p className="bell-item-meta">
                    <RelativeTime iso={item.created_at} timeZone={timeZone} now={now} />
                    {item.call_id && (
                      <a
                        href={`#/calls/${encodeURIComponent(item.call_id)}`}
                        onClick={() => {
                          if (isUnread) void markRead(item, false);
                          close(false); // the call's page takes focus to its heading
                        }}
                      >
                        {t.bell.openCall}
                      </a>
                    )}
                    {isUnread && (
                      <button
                        type="button"
                        className="btn btn-link btn-small"
                        aria-label={t.bell.markReadOf(item.title)}
                        aria-disabled={busy}
                        onClick={() => void markRead(item)}
                      >
                        {t.bell.markRead}
                      </button>
                    )}
                  </p>
                </li>
              );
            })}
          </ul>
        )}
        <p className="bell-foot">
          <a href="#/account" onClick={() => close(false)}>
            {t.bell.settings}
          </a>
        </p>
      </section>
    </div>
  );
}

function BellIcon() {
  return (
    <svg className="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-1.7 1.7A1 1 0 0 0 4 19.4h16a1 1 0 0 0 .7-1.7Z"
      />
    </svg>
  );
}
