import { useSyncExternalStore } from 'react';
import type { ConnectionState, WebSocketService } from '../services/websocket';
import { t } from '../strings';

export function useConnectionState(webSocket: WebSocketService): ConnectionState {
  return useSyncExternalStore(
    (onChange) => webSocket.onStateChange(onChange),
    () => webSocket.getState(),
  );
}

/** A small live indicator of the WebSocket, with a way back when it has given up. */
export function ConnectionStatus({ webSocket }: { webSocket: WebSocketService }) {
  const state = useConnectionState(webSocket);
  return (
    <div className={`connection connection-${state}`}>
      <span role="status">
        <span className="dot" aria-hidden="true" />
        <span className="sr-only">{t.connection.label}</span>
        <span className="connection-text">{t.connection[state]}</span>
      </span>
      {state === 'closed' && (
        <button type="button" className="btn btn-link" onClick={() => webSocket.connect().catch(() => undefined)}>
          {t.connection.reconnect}
        </button>
      )}
    </div>
  );
}
