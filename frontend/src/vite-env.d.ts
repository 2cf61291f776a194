/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_WEBSOCKET_URL?: string;
  readonly VITE_API_URL?: string;
  /** The seeds' names, still honoured. */
  readonly REACT_APP_WEBSOCKET_URL?: string;
  readonly REACT_APP_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
