import { useSyncExternalStore } from 'react';
import type { ConnectionState, WebSocketService } from '../services/websocket';

const LABELS: Record<ConnectionState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

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
        <span className="sr-only">Server connection: </span>
        {LABELS[state]}
      </span>
      {state === 'closed' && (
        <button
          type="button"
          className="btn btn-link"
          onClick={() => {
            webSocket.connect().catch(() => undefined);
          }}
        >
          Reconnect
        </button>
      )}
    </div>
  );
}
