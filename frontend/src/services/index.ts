import { apiBaseUrlFromEnv, webSocketUrlFromEnv } from '../config';
import { CallsApi } from './calls';
import { PredictionService } from './prediction';
import { WebSocketService } from './websocket';

/** Everything the UI talks to; built once per page (tests build their own with fakes). */
export interface Services {
  webSocket: WebSocketService;
  predictions: PredictionService;
  calls: CallsApi;
}

export function createServices(): Services {
  const webSocket = new WebSocketService(webSocketUrlFromEnv());
  return {
    webSocket,
    predictions: new PredictionService(webSocket),
    calls: new CallsApi(apiBaseUrlFromEnv()),
  };
}
