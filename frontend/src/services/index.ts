import { apiBaseUrlFromEnv, webSocketUrlFromEnv } from '../config';
import { AuthService } from './auth';
import { CallsApi } from './calls';
import { NotificationsApi } from './notifications';
import { PredictionService } from './prediction';
import { VerificationApi } from './verification';
import { WebSocketService } from './websocket';

/** Everything the UI talks to; built once per page (tests build their own with fakes). */
export interface Services {
  webSocket: WebSocketService;
  predictions: PredictionService;
  calls: CallsApi;
  /** Resolve, undo, history, the calls due for you, the track record. */
  verification: VerificationApi;
  /** The bell, your channels and which events go where. */
  notifications: NotificationsApi;
  /** Who is signed in. Absent: auth is off (CALLEDIT_AUTH=none) and no sign-in UI is shown. */
  auth?: AuthService;
}

export function createServices(): Services {
  const apiBaseUrl = apiBaseUrlFromEnv();
  const auth = new AuthService(apiBaseUrl);
  const webSocket = new WebSocketService(webSocketUrlFromEnv(), { token: auth.accessToken });
  const calls = new CallsApi(apiBaseUrl, undefined, auth.accessToken);
  return {
    webSocket,
    predictions: new PredictionService(webSocket),
    calls,
    verification: new VerificationApi(calls.http),
    notifications: new NotificationsApi(calls.http),
    auth,
  };
}
