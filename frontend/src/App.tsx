import { QueryClientProvider, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { AccountMenu, OidcSignIn, SignIn, SignUp, useAuthState } from './components/Account';
import { AccountPage } from './components/AccountPage';
import { CallView } from './components/CallView';
import { ConnectionStatus } from './components/ConnectionStatus';
import { MyCalls } from './components/MyCalls';
import { NotificationBell } from './components/NotificationBell';
import { QuickCapture } from './components/QuickCapture';
import { TrackRecord } from './components/TrackRecord';
import { userTimeZone, verdictLabel } from './format';
import { ServicesContext, createQueryClient, keys, useCallChanges, useDue, useServices } from './queries';
import { navigate, useHashRoute, type Route } from './route';
import type { Services } from './services';
import type { AuthService, AuthState, AuthUser } from './services/auth';
import { t } from './strings';
import './App.css';

/** How long after changing a call here its verdict event counts as our own (no announcement). */
const OWN_CHANGE_MS = 5000;

function App({ services, queryClient }: { services: Services; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <ServicesContext.Provider value={services}>
        <Root />
      </ServicesContext.Provider>
    </QueryClientProvider>
  );
}

function Root() {
  const { auth } = useServices();
  const state = useAuthState(auth);
  const client = useQueryClient();
  // Focus follows signing in and out (the button pressed is gone then), but not the first page load.
  const lastStatus = useRef<AuthState['status']>('loading');
  useEffect(() => {
    lastStatus.current = state.status;
  }, [state.status]);

  useEffect(() => {
    if (auth) void auth.start();
  }, [auth]);

  // Another user (or nobody): nothing cached for the previous one may show. Reset, not clear: the
  // views already mounted for the new user fetch their own data again.
  const userId = state.status === 'signed-in' ? state.user.id : null;
  const lastUser = useRef<string | null>(null);
  useEffect(() => {
    if (lastUser.current !== userId) void client.resetQueries();
    lastUser.current = userId;
  }, [client, userId]);

  // The server was unreachable at start: keep trying by itself, so the page carries on when it is back.
  useEffect(() => {
    if (state.status !== 'unavailable' || !auth) return;
    const timer = setTimeout(() => void auth.start(), 2_000);
    return () => clearTimeout(timer);
  }, [state, auth]);

  if (state.status === 'off') return <CalledIt account={null} focusOnMount={false} />;
  if (state.status === 'signed-in' && auth) {
    return (
      <CalledIt
        key={state.user.id} // another user: nothing of the previous one's survives
        account={{ auth, user: state.user }}
        focusOnMount={lastStatus.current === 'signed-out'}
      />
    );
  }
  return <AccountPages auth={auth!} state={state} focusOnMount={lastStatus.current === 'signed-in'} />;
}

/** The page around every view: skip link, header, main, footer. */
function Layout({
  mainRef,
  side,
  nav,
  children,
  timeZone,
}: {
  mainRef: RefObject<HTMLElement | null>;
  side?: ReactNode;
  nav?: ReactNode;
  children: ReactNode;
  timeZone: string;
}) {
  return (
    <div className="App">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault(); // the hash is the router's: focus instead of jumping
          mainRef.current?.focus();
        }}
      >
        {t.app.skip}
      </a>
      <header className="App-header">
        <div className="header-inner">
          <h1>
            <a href="#/" className="brand">
              {t.app.name}
            </a>
          </h1>
          {side && <div className="header-side">{side}</div>}
        </div>
        {nav}
      </header>

      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>

      <footer className="App-footer">{nav && <p>{t.app.footer(timeZone)}</p>}</footer>
    </div>
  );
}

/** On navigation, move focus to the new view's heading so keyboard and screen reader users follow. */
function useHeadingFocus(route: Route, mainRef: RefObject<HTMLElement | null>, focusOnMount: boolean): void {
  const skip = useRef(!focusOnMount);
  useEffect(() => {
    if (skip.current) {
      skip.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('[data-view]:not([hidden]) [data-view-heading]')?.focus();
  }, [route, mainRef]);
}

/** Signed out (or still finding out how to sign in): the sign-in and sign-up pages. */
function AccountPages({ auth, state, focusOnMount }: { auth: AuthService; state: AuthState; focusOnMount: boolean }) {
  const route = useHashRoute();
  const mainRef = useRef<HTMLElement>(null);
  const [timeZone] = useState(userTimeZone);
  useHeadingFocus(route, mainRef, focusOnMount);

  let view: ReactNode;
  if (state.status === 'signed-out') {
    const props = { auth, config: state.config, notice: state.notice };
    if (state.config.mode === 'oidc') view = <OidcSignIn {...props} />;
    else if (route.name === 'signup') view = <SignUp {...props} />;
    else view = <SignIn {...props} />;
    view = (
      <>
        <p className="intro">{t.welcome.signedOutIntro}</p>
        {view}
      </>
    );
  } else if (state.status === 'unavailable') {
    view = (
      <section className="card" aria-labelledby="unavailable-heading">
        <h2 id="unavailable-heading" tabIndex={-1} data-view-heading>
          {t.app.unreachableTitle}
        </h2>
        <div className="error-message" role="alert">
          <p>{state.message}</p>
          <p className="hint">{t.app.unreachableHint}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void auth.start()}>
            {t.app.tryAgain}
          </button>
        </div>
      </section>
    );
  } else {
    view = (
      <p role="status" className="run-status">
        {t.app.loading}
      </p>
    );
  }
  return (
    <Layout mainRef={mainRef} timeZone={timeZone}>
      <div data-view>{view}</div>
    </Layout>
  );
}

interface Notice {
  text: string;
  /** The call it is about: offer a link to it. */
  callId?: string;
}

/** The app itself: quick capture, My Calls, a call, the track record, the account. */
function CalledIt({ account, focusOnMount }: { account: { auth: AuthService; user: AuthUser } | null; focusOnMount: boolean }) {
  const { webSocket, predictions, calls } = useServices();
  const client = useQueryClient();
  const changes = useCallChanges();
  const route = useHashRoute();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [justUpdated, setJustUpdated] = useState<ReadonlySet<string>>(new Set());
  const [timeZone] = useState(userTimeZone);
  const mainRef = useRef<HTMLElement>(null);
  const ownChanges = useRef(new Map<string, number>());
  const dueHintId = useId();
  const auth = account?.auth;
  const due = useDue();
  useHeadingFocus(route, mainRef, focusOnMount);

  // Connect up front: the header shows the connection, and verdicts can arrive at any time.
  useEffect(() => {
    webSocket.connect().catch(() => undefined); // failures show in the header; retries are automatic
    return () => webSocket.disconnect();
  }, [webSocket]);

  // Back after an outage: everything on screen is fetched again, so no view keeps an old error.
  useEffect(() => {
    let previous = webSocket.getState();
    return webSocket.onStateChange((state) => {
      if (state === 'open' && (previous === 'reconnecting' || previous === 'closed')) void client.invalidateQueries();
      previous = state;
    });
  }, [webSocket, client]);

  // The browser came back online, or the tab into view: reconnect now rather than at the next tick.
  useEffect(() => {
    const now = () => {
      if (document.visibilityState !== 'hidden') webSocket.retryNow();
    };
    window.addEventListener('online', now);
    document.addEventListener('visibilitychange', now);
    return () => {
      window.removeEventListener('online', now);
      document.removeEventListener('visibilitychange', now);
    };
  }, [webSocket]);

  // The access token was renewed ahead of its expiry: the server would close this connection when the
  // old one expires, so move to a new one now, unless a prediction is streaming on it.
  useEffect(
    () =>
      auth?.onRenewed(() => {
        if (!predictions.busy && webSocket.getState() === 'open') webSocket.reconnect().catch(() => undefined);
      }),
    [auth, predictions, webSocket],
  );

  // Signed-in pages have no sign-in route.
  useEffect(() => {
    if (route.name === 'signin' || route.name === 'signup') navigate('#/');
  }, [route.name]);

  // Calls fall due as time passes: look again on every navigation.
  useEffect(() => {
    void client.invalidateQueries({ queryKey: keys.due });
  }, [client, route]);

  useEffect(
    () =>
      webSocket.onMessage('verdict', (event) => {
        const own = (ownChanges.current.get(event.call_id) ?? 0) > Date.now();
        if (!own) setNotice({ text: t.app.checked(verdictLabel(event.verdict.verdict)), callId: event.call_id });
        // Show the call as it is now (its status comes with it) without reloading the list.
        calls.get(event.call_id).then(
          (call) => {
            changes.changed(call);
            setJustUpdated((ids) => new Set(ids).add(call.id));
          },
          () => changes.listChanged(),
        );
      }),
    [webSocket, calls, changes],
  );

  const dueCount = due.data?.length ?? 0;
  const tab = (name: Route['name'][], href: string, label: string, extra?: ReactNode) => (
    <a href={href} aria-current={name.includes(route.name) ? 'page' : undefined} aria-describedby={extra ? dueHintId : undefined}>
      {label}
      {extra}
    </a>
  );
  const nav = (
    <nav aria-label={t.tabs.mainNav} className="tabs">
      {tab(['predict'], '#/', t.tabs.predict)}
      {tab(
        ['calls', 'call'],
        '#/calls',
        t.tabs.calls,
        dueCount > 0 ? (
          <span className="tab-badge" aria-hidden="true">
            {dueCount}
          </span>
        ) : undefined,
      )}
      {tab(['record'], '#/record', t.tabs.record)}
      {tab(['account'], '#/account', t.tabs.account)}
      <span id={dueHintId} hidden>
        {t.tabs.dueHint(dueCount)}
      </span>
    </nav>
  );

  const side = (
    <>
      {account && <AccountMenu auth={account.auth} user={account.user} />}
      {/* Verdicts are announced once, by the notice below, on every page. */}
      <NotificationBell timeZone={timeZone} quietVerdicts />
      <ConnectionStatus webSocket={webSocket} />
    </>
  );

  return (
    <Layout mainRef={mainRef} side={side} nav={nav} timeZone={timeZone}>
      <div role="status" className="flash">
        {notice && (
          <p className="notice notice-info">
            {notice.text}{' '}
            {notice.callId && !(route.name === 'call' && route.id === notice.callId) && (
              <a href={`#/calls/${encodeURIComponent(notice.callId)}`}>{t.app.viewIt}</a>
            )}{' '}
            <button type="button" className="btn btn-link" onClick={() => setNotice(null)}>
              {t.app.dismiss}
            </button>
          </p>
        )}
      </div>

      {/* Kept mounted while hidden, so a call keeps streaming while you look at your calls. */}
      <div data-view hidden={route.name !== 'predict'}>
        <QuickCapture timeZone={timeZone} scope={account?.user.id ?? ''} />
      </div>
      {route.name === 'calls' && (
        <div data-view>
          <MyCalls timeZone={timeZone} justUpdated={justUpdated} />
        </div>
      )}
      {route.name === 'call' && (
        <div data-view>
          <CallView
            key={route.id}
            id={route.id}
            timeZone={timeZone}
            onWillChange={(id) => ownChanges.current.set(id, Date.now() + OWN_CHANGE_MS)}
            onDeleted={() => {
              setNotice({ text: t.call.deleted });
              navigate('#/calls');
            }}
          />
        </div>
      )}
      {route.name === 'record' && (
        <div data-view>
          <TrackRecord />
        </div>
      )}
      {route.name === 'account' && (
        <div data-view>
          <AccountPage account={account} timeZone={timeZone} />
        </div>
      )}
    </Layout>
  );
}

export default App;
