import { useEffect, useRef, useState } from 'react';
import { CallView } from './components/CallView';
import { ConnectionStatus } from './components/ConnectionStatus';
import { MyCalls } from './components/MyCalls';
import StreamingPrediction from './components/StreamingPrediction';
import { VERDICT_LABELS, userTimeZone } from './format';
import { navigate, useHashRoute } from './route';
import type { Services } from './services';
import './App.css';

function App({ services }: { services: Services }) {
  const { webSocket, predictions, calls } = services;
  const route = useHashRoute();
  const [refreshKey, setRefreshKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [timeZone] = useState(userTimeZone);
  const mainRef = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);

  // Connect up front: the header shows the connection, and verdicts can arrive at any time.
  useEffect(() => {
    webSocket.connect().catch(() => undefined); // failures show in the header; retries are automatic
    return () => webSocket.disconnect();
  }, [webSocket]);

  useEffect(
    () =>
      webSocket.onMessage('verdict', (event) => {
        setNotice(`One of your calls was just checked: ${VERDICT_LABELS[event.verdict.verdict] ?? event.verdict.verdict}.`);
        setRefreshKey((key) => key + 1);
      }),
    [webSocket],
  );

  // On navigation, move focus to the new view's heading so keyboard and screen reader users follow.
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('[data-view]:not([hidden]) [data-view-heading]')?.focus();
  }, [route]);

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
          <ConnectionStatus webSocket={webSocket} />
        </div>
        <nav aria-label="Main" className="tabs">
          <a href="#/" aria-current={route.name === 'predict' ? 'page' : undefined}>
            Make a Prediction
          </a>
          <a href="#/calls" aria-current={route.name !== 'predict' ? 'page' : undefined}>
            My Calls
          </a>
        </nav>
      </header>

      <main id="main" ref={mainRef} tabIndex={-1}>
        <div role="status" className="flash">
          {notice && (
            <p className="notice notice-info">
              {notice}{' '}
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
            onLogged={() => setRefreshKey((key) => key + 1)}
          />
        </div>
        {route.name === 'calls' && (
          <div data-view>
            <MyCalls callsApi={calls} refreshKey={refreshKey} timeZone={timeZone} />
          </div>
        )}
        {route.name === 'call' && (
          <div data-view>
            <CallView
              key={route.id}
              callsApi={calls}
              id={route.id}
              timeZone={timeZone}
              refreshKey={refreshKey}
              onDeleted={() => {
                setNotice('Call deleted.');
                navigate('#/calls');
              }}
            />
          </div>
        )}
      </main>

      <footer className="App-footer">
        <p>
          Dates are shown in your timezone ({timeZone}). A call's verifiability score says how reliably it can be
          checked, not how likely it is.
        </p>
      </footer>
    </div>
  );
}

export default App;
