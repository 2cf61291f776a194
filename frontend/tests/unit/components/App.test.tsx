import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../../src/App';
import type { Services } from '../../../src/services';
import { CallsApi } from '../../../src/services/calls';
import { PredictionService } from '../../../src/services/prediction';
import { VerificationApi } from '../../../src/services/verification';
import { WebSocketService } from '../../../src/services/websocket';
import { fakeFetch, page, storedCall, verdict } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

function services(routes: Parameters<typeof fakeFetch>[0] = {}): Services & { requests: ReturnType<typeof fakeFetch>['requests'] } {
  const webSocket = new WebSocketService('ws://test/ws', { WebSocketImpl: FakeWebSocket, reconnect: { initialDelayMs: 10 } });
  const { fetchImpl, requests } = fakeFetch(routes);
  const calls = new CallsApi('', fetchImpl);
  return { webSocket, predictions: new PredictionService(webSocket), calls, verification: new VerificationApi(calls.http), requests };
}

beforeEach(() => FakeWebSocket.reset());

describe('App', () => {
  it('has the header, the navigation, and shows the connection as it changes', async () => {
    render(<App services={services()} />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('CalledIt: Prediction Verification Platform');
    expect(screen.getByRole('link', { name: 'Make a Prediction' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'My Calls' })).not.toHaveAttribute('aria-current');

    const connection = screen.getByText(/Server connection/).closest('[role="status"]')!;
    expect(connection).toHaveTextContent('Connecting…');
    act(() => FakeWebSocket.last.open());
    expect(connection).toHaveTextContent('Connected');
    act(() => FakeWebSocket.last.drop());
    expect(connection).toHaveTextContent('Reconnecting…');
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    act(() => FakeWebSocket.last.open());
    expect(connection).toHaveTextContent('Connected');
  });

  it('navigates to My Calls and to one call, moving focus to the new heading', async () => {
    const s = services({
      'GET /api/calls?limit=20': () => ({ status: 200, body: page([storedCall({ id: 'c-9', prediction_statement: 'Rain in Paris.' })]) }),
      'GET /api/calls/c-9': () => ({ status: 200, body: storedCall({ id: 'c-9', prediction_statement: 'Rain in Paris.' }) }),
      'DELETE /api/calls/c-9': () => ({ status: 204 }),
    });
    render(<App services={s} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('link', { name: 'My Calls' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'My Calls' })).toHaveFocus());
    // The prediction form stays mounted (a run keeps streaming), just hidden.
    expect(screen.queryByRole('heading', { name: 'Make a Prediction' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Your Prediction:', { selector: 'textarea' })).not.toBeVisible();

    await user.click(await screen.findByRole('link', { name: 'Rain in Paris.' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Call details' })).toHaveFocus());
    await user.click(await screen.findByRole('button', { name: 'Delete call' }));
    await user.click(screen.getByRole('button', { name: 'Yes, delete it' }));
    await waitFor(() => expect(window.location.hash).toBe('#/calls'));
    expect(await screen.findByText('Call deleted.')).toBeInTheDocument();
  });

  it('announces a verdict that arrives over the WebSocket', async () => {
    render(<App services={services()} />);
    act(() => FakeWebSocket.last.open());
    act(() => FakeWebSocket.last.receive({ type: 'verdict', call_id: 'c-1', verdict: { ...verdict, verdict: 'refuted' } }));
    expect(screen.getByText(/One of your calls was just checked: Refuted\./)).toBeInTheDocument();
  });
});
