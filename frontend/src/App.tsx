import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { AccountMenu, OidcSignIn, SignIn, SignUp, useAuthState } from './components/Account';
import { CallView, type CallUpdate } from './components/CallView';
import { ConnectionStatus } from './components/ConnectionStatus';
import { MyCalls } from './components/MyCalls';
import StreamingPrediction from './components/StreamingPrediction';
import { TrackRecord } from './components/TrackRecord';
import { VERDICT_LABELS, userTimeZone } from './format';
import { navigate, useHashRoute, type Route } from './route';
import type { Services } from './services';
import type { AuthService, AuthState, AuthUser } from './services/auth';
import type { StoredCall } from './types/protocol';
import './App.css';

/** How long after changing a call here its verdict event counts as our own (no announcement). */
const OWN_CHANGE_MS = 5000;

function App({ services }: { services: Services }) {
  const { auth } = services;
  const state = useAuthState(auth);
  // Focus follows signing in and out (the button pressed is gone then), but not the first page load.
  const lastStatus = useRef<AuthState['status']>('loading');
  useEffect(() => {
    lastStatus.current = state.status;
  }, [state.status]);

  useEffect(() => {
    if (auth) void auth.start();
  }, [auth]);

  if (state.status === 'off') return <CalledIt services={services} account={null} focusOnMount={false} />;
  if (state.status === 'signed-in' && auth) {
    return (
      <CalledIt
        key={state.user.id} // another user: nothing of the previous one's survives
        services={services}
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
        Skip to content
      </a>
      <header className="App-header">
        <div className="header-inner">
          <h1>CalledIt: Prediction Verification Platform</h1>
          {side && <div className="header-side">{side}</div>}
        </div>
        {nav}
      </header>

      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>

      <footer className="App-footer">
        {nav && (
          <p>
            Dates are shown in your timezone ({timeZone}). A call's verifiability score says how reliably it can be
            checked, not how likely it is.
          </p>
        )}
      </footer>
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
  } else if (state.status === 'unavailable') {
    view = (
      <section className="card" aria-labelledby="unavailable-heading">
        <h2 id="unavailable-heading" tabIndex={-1} data-view-heading>
          Cannot reach the server
        </h2>
        <div className="error-message" role="alert">
          <p>{state.message}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void auth.start()}>
            Try again
          </button>
        </div>
      </section>
    );
  } else {
    view = (
      <p role="status" className="run-status">
        Loading…
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

/** The app itself: predict, My Calls, a call, the track record. `account` is null with auth off. */
function CalledIt({
  services,
  account,
  focusOnMount,
}: {
  services: Services;
  account: { auth: AuthService; user: AuthUser } | null;
  focusOnMount: boolean;
}) {
  const { webSocket, predictions, calls, verification } = services;
  const route = useHashRoute();
  const [refreshKey, setRefreshKey] = useState(0);
  const [statsKey, setStatsKey] = useState(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [update, setUpdate] = useState<CallUpdate | null>(null);
  const [due, setDue] = useState<StoredCall[] | null>(null);
  const [timeZone] = useState(userTimeZone);
  const mainRef = useRef<HTMLElement>(null);
  const ownChanges = useRef(new Map<string, number>());
  const updates = useRef(0);
  const dueHintId = useId();
  const auth = account?.auth;
  useHeadingFocus(route, mainRef, focusOnMount);

  // Connect up front: the header shows the connection, and verdicts can arrive at any time.
  useEffect(() => {
    webSocket.connect().catch(() => undefined); // failures show in the header; retries are automatic
    return () => webSocket.disconnect();
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

  const refreshDue = useCallback(() => {
    verification.due().then(
      (found) => setDue(found.items),
      () => undefined, // the reminder is a convenience: without it, My Calls still lists everything
    );
  }, [verification]);

  // Calls fall due as time passes: look again on every navigation.
  useEffect(() => {
    refreshDue();
  }, [refreshDue, route]);

  useEffect(
    () =>
      webSocket.onMessage('verdict', (event) => {
        const own = (ownChanges.current.get(event.call_id) ?? 0) > Date.now();
        if (!own) {
          const outcome = VERDICT_LABELS[event.verdict.verdict] ?? event.verdict.verdict;
          setNotice({ text: `One of your calls was just checked: ${outcome}.`, callId: event.call_id });
        }
        setStatsKey((key) => key + 1);
        refreshDue();
        // Show the call as it is now (its status comes with it) without reloading the list.
        calls.get(event.call_id).then(
          (call) => setUpdate({ call, seq: ++updates.current }),
          () => setRefreshKey((key) => key + 1),
        );
      }),
    [webSocket, calls, refreshDue],
  );

  const dueCount = due?.length ?? 0;
  const nav = (
    <nav aria-label="Main" className="tabs">
      <a href="#/" aria-current={route.name === 'predict' ? 'page' : undefined}>
        Make a Prediction
      </a>
      <a
        href="#/calls"
        aria-current={route.name === 'calls' || route.name === 'call' ? 'page' : undefined}
        aria-describedby={dueCount > 0 ? dueHintId : undefined}
      >
        My Calls
        {dueCount > 0 && (
          <span className="tab-badge" aria-hidden="true">
            {dueCount}
          </span>
        )}
      </a>
      <a href="#/record" aria-current={route.name === 'record' ? 'page' : undefined}>
        Track record
      </a>
      <span id={dueHintId} hidden>
        {dueCount === 1 ? '1 call is due for you to resolve' : `${dueCount} calls are due for you to resolve`}
      </span>
    </nav>
  );

  const side = (
    <>
      {account && <AccountMenu auth={account.auth} user={account.user} />}
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
              <a href={`#/calls/${encodeURIComponent(notice.callId)}`}>View it</a>
            )}{' '}
            <button type="button" className="btn btn-link" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </p>
        )}
      </div>

      {/* Kept mounted while hidden, so a prediction keeps streaming while you look at your calls. */}
      <div data-view hidden={route.name !== 'predict'}>
        <StreamingPrediction
          predictionService={predictions}
          callsApi={calls}
          timeZone={timeZone}
          onLogged={() => {
            setRefreshKey((key) => key + 1);
            setStatsKey((key) => key + 1);
          }}
        />
      </div>
      {route.name === 'calls' && (
        <div data-view>
          <MyCalls callsApi={calls} refreshKey={refreshKey} timeZone={timeZone} update={update} due={due} />
        </div>
      )}
      {route.name === 'call' && (
        <div data-view>
          <CallView
            key={route.id}
            callsApi={calls}
            verification={verification}
            id={route.id}
            timeZone={timeZone}
            refreshKey={refreshKey}
            update={update}
            onWillChange={(id) => ownChanges.current.set(id, Date.now() + OWN_CHANGE_MS)}
            onChanged={() => {
              setStatsKey((key) => key + 1);
              refreshDue();
            }}
            onDeleted={() => {
              setNotice({ text: 'Call deleted.' });
              setStatsKey((key) => key + 1);
              refreshDue();
              navigate('#/calls');
            }}
          />
        </div>
      )}
      {route.name === 'record' && (
        <div data-view>
          <TrackRecord verification={verification} refreshKey={statsKey} />
        </div>
      )}
    </Layout>
  );
}

export default App;
