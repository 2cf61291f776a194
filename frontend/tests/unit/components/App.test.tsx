import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import TheApp from '../../../src/App';
import { testQueryClient } from '../../fixtures/render';
import type { Services } from '../../../src/services';
import { CallsApi } from '../../../src/services/calls';
import { NotificationsApi } from '../../../src/services/notifications';
import { PredictionService } from '../../../src/services/prediction';
import { VerificationApi } from '../../../src/services/verification';
import { WebSocketService } from '../../../src/services/websocket';
import { fakeFetch, page, storedCall, verdict } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

function services(routes: Parameters<typeof fakeFetch>[0] = {}): Services & { requests: ReturnType<typeof fakeFetch>['requests'] } {
  const webSocket = new WebSocketService('ws://test/ws', { WebSocketImpl: FakeWebSocket, reconnect: { initialDelayMs: 10 } });
  const { fetchImpl, requests } = fakeFetch({ 'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }), ...routes });
  const calls = new CallsApi('', fetchImpl);
  return {
    webSocket,
    predictions: new PredictionService(webSocket),
    calls,
    verification: new VerificationApi(calls.http),
    notifications: new NotificationsApi(calls.http),
    requests,
  };
}

/** The app with a query client that does not retry (a test's failure shows at once). */
function App({ services: s }: { services: Services }) {
  return <TheApp services={s} queryClient={testQueryClient()} />;
}

beforeEach(() => FakeWebSocket.reset());

describe('App', () => {
  it('has the header, the navigation, and shows the connection as it changes', async () => {
    render(<App services={services()} />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('CalledIt');
    expect(screen.getByRole('link', { name: 'New call' })).toHaveAttribute('aria-current', 'page');
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
    expect(screen.queryByRole('heading', { name: 'Make a call' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Your prediction', { selector: 'input' })).not.toBeVisible();

    await user.click(await screen.findByRole('link', { name: 'Rain in Paris.' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Call details' })).toHaveFocus());
    await user.click(await screen.findByRole('button', { name: 'Delete call' }));
    await user.click(screen.getByRole('button', { name: 'Yes, delete it' }));
    await waitFor(() => expect(window.location.hash).toBe('#/calls'));
    expect(await screen.findByText('Call deleted.')).toBeInTheDocument();
  });

  it('announces a verdict that arrives over the WebSocket', async () => {
    const s = services();
    render(<App services={s} />);
    act(() => FakeWebSocket.last.open());
    act(() => FakeWebSocket.last.receive({ type: 'verdict', call_id: 'c-1', verdict: { ...verdict, verdict: 'refuted' } }));
    expect(screen.getByText(/One of your calls was just checked: Missed it\./)).toBeInTheDocument();
    // It then fetches the call to show it as it is now (here it is gone: the views reload instead).
    await waitFor(() => expect(s.requests.some((r) => r.url === '/api/calls/c-1')).toBe(true));
    await act(() => Promise.resolve());
  });
});

/** c-1's verdict lands on the WebSocket, with the bell's notification of it. */
function verdictLands() {
  const arrived = {
    id: 'verdict:h-1',
    kind: 'verdict',
    call_id: 'c-1',
    title: 'Your call was confirmed: The Lakers will win.',
    body: 'The agent checked your call.',
    created_at: new Date().toISOString(),
    read_at: null,
  };
  act(() => {
    FakeWebSocket.last.receive({ type: 'verdict', call_id: 'c-1', verdict });
    FakeWebSocket.last.receive({ type: 'notification', notification: arrived, unread: 1 });
  });
}

/** What the page's live regions say about verdicts and notifications. */
const spoken = () =>
  screen
    .getAllByRole('status')
    .map((region) => region.textContent ?? '')
    .filter((text) => /checked|New notification/.test(text));

describe('App: the bell', () => {
  it('is in the header; a notification on the WebSocket counts without a reload', async () => {
    const s = services({
      'GET /api/notifications?limit=30': () => ({ status: 200, body: { items: [], unread: 0 } }),
    });
    render(<App services={s} />);
    const banner = screen.getByRole('banner');
    const bell = within(banner).getByRole('button', { name: /^Notifications/ });
    await waitFor(() => expect(bell).toHaveAccessibleName('Notifications'));
    act(() => FakeWebSocket.last.open());
    const arrived = {
      id: 'due:c-3',
      kind: 'due',
      call_id: 'c-3',
      title: 'Your call needs you: Snow on Sunday.',
      body: 'Its date has come, and only you can say how it went.',
      created_at: new Date().toISOString(),
      read_at: null,
    };
    act(() => FakeWebSocket.last.receive({ type: 'notification', notification: arrived, unread: 1 }));
    expect(bell).toHaveAccessibleName('Notifications, 1 unread');
    expect(s.requests.filter((r) => r.url.startsWith('/api/notifications'))).toHaveLength(1);
  });

  it("a verdict for the call on screen is announced once: by the page's notice, not the bell too", async () => {
    window.location.hash = '#/calls/c-1';
    const s = services({
      'GET /api/notifications?limit=30': () => ({ status: 200, body: { items: [], unread: 0 } }),
      'GET /api/calls/c-1': () => ({ status: 200, body: storedCall({ status: 'verified', verdict }) }),
    });
    render(<App services={s} />);
    expect(await screen.findByRole('heading', { name: 'Call details' })).toBeInTheDocument();
    act(() => FakeWebSocket.last.open());
    verdictLands();
    expect(spoken()).toEqual([expect.stringMatching(/^One of your calls was just checked: Called it\./)]);
    await waitFor(() => expect(within(screen.getByRole('banner')).getByRole('button', { name: /^Notifications/ })).toHaveAccessibleName('Notifications, 1 unread'));
  });
});

describe('App: a verdict on another page', () => {
  it('is announced once, by the notice, not by the bell too', async () => {
    window.location.hash = '#/record';
    const s = services({
      'GET /api/notifications?limit=30': () => ({ status: 200, body: { items: [], unread: 0 } }),
      'GET /api/calls/c-1': () => ({ status: 200, body: storedCall({ status: 'verified', verdict }) }),
    });
    render(<App services={s} />);
    const bell = within(screen.getByRole('banner')).getByRole('button', { name: /^Notifications/ });
    await waitFor(() => expect(bell).toHaveAccessibleName('Notifications')); // the bell has loaded
    act(() => FakeWebSocket.last.open());
    verdictLands();
    expect(spoken()).toHaveLength(1);
    expect(spoken()[0]).toMatch(/^One of your calls was just checked: Called it\./);
    await waitFor(() => expect(bell).toHaveAccessibleName('Notifications, 1 unread')); // counted all the same
  });
});

describe('App: verdicts and calls due', () => {
  it('a verdict updates its card in My Calls in place, without reloading the list, and is announced', async () => {
    let checked = false;
    const s = services({
      'GET /api/calls?limit=20': () => ({
        status: 200,
        body: page([storedCall({ id: 'c-1', prediction_statement: 'It will rain.' }), storedCall({ id: 'c-2', prediction_statement: 'Other.' })]),
      }),
      'GET /api/calls/c-1': () => ({
        status: 200,
        body: storedCall({ id: 'c-1', prediction_statement: 'It will rain.', status: checked ? 'verified' : 'pending', verdict: checked ? verdict : null }),
      }),
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: [] } }),
    });
    render(<App services={s} />);
    act(() => FakeWebSocket.last.open());
    await userEvent.click(screen.getByRole('link', { name: 'My Calls' }));
    const card = (await screen.findByText('It will rain.')).closest('article')!;
    expect(card).toHaveTextContent('Checking');
    const listLoads = () => s.requests.filter((r) => r.url === '/api/calls?limit=20').length;
    const loadsBefore = listLoads();

    checked = true;
    act(() => FakeWebSocket.last.receive({ type: 'verdict', call_id: 'c-1', verdict }));
    const announcement = screen.getByText(/One of your calls was just checked: Called it\./);
    expect(announcement.closest('[role="status"]')).not.toBeNull();
    expect(within(announcement).getByRole('link', { name: 'View it' })).toHaveAttribute('href', '#/calls/c-1');
    await waitFor(() => expect(card).toHaveTextContent('Called it'));
    expect(card).toHaveTextContent('Updated just now');
    expect(screen.getByText('Other.').closest('article')).not.toHaveTextContent('Updated just now');
    expect(listLoads()).toBe(loadsBefore);
  });

  it('a verdict for a change made in this tab updates the view but is not announced twice', async () => {
    const resolved = storedCall({ status: 'verified', verdict: { ...verdict, model: null } });
    let current = storedCall();
    const s = services({
      'GET /api/calls/c-1': () => ({ status: 200, body: current }),
      'GET /api/calls/c-1/history': () => ({ status: 200, body: { call_id: 'c-1', next_check_at: null, attempts: 0, changes: [] } }),
      'POST /api/calls/c-1/resolve': () => {
        current = resolved;
        // The server tells every connection of the owner, this one included, before it answers.
        FakeWebSocket.last.receive({ type: 'verdict', call_id: 'c-1', verdict: resolved.verdict });
        return { status: 200, body: resolved };
      },
    });
    window.location.hash = '#/calls/c-1';
    render(<App services={s} />);
    act(() => FakeWebSocket.last.open());
    await userEvent.click(await screen.findByRole('button', { name: 'Called it' }));
    expect(await screen.findByText('Marked called it: it came true.')).toBeInTheDocument();
    expect(screen.queryByText(/One of your calls was just checked/)).not.toBeInTheDocument();
  });

  it('reminds me of calls due for me to resolve: a badge on My Calls and a list there', async () => {
    const due = [
      storedCall({ id: 'd-1', prediction_statement: 'My sister will call on Sunday.', verifiable_category: 'human_verifiable_only' }),
      storedCall({ id: 'd-2', prediction_statement: 'I will finish the book.', verifiable_category: 'human_verifiable_only' }),
    ];
    const s = services({
      'GET /api/due?limit=100': () => ({ status: 200, body: { items: due } }),
      'GET /api/calls?limit=20': () => ({ status: 200, body: page(due) }),
    });
    render(<App services={s} />);
    const tab = screen.getByRole('link', { name: 'My Calls' });
    await waitFor(() => expect(tab).toHaveAccessibleDescription('2 calls are waiting for you to resolve them'));
    expect(tab).toHaveTextContent('My Calls2');
    await userEvent.click(tab);
    const reminder = await screen.findByRole('group', { name: '2 calls are waiting for you to resolve them' });
    expect(within(reminder).getByRole('link', { name: 'My sister will call on Sunday.' })).toHaveAttribute('href', '#/calls/d-1');
  });
});

describe('App: after an outage', () => {
  it("My Calls' error clears by itself when the connection comes back (no manual retry)", async () => {
    let up = false;
    const s = services({
      'GET /api/calls?limit=20': () =>
        up ? { status: 200, body: page([storedCall({ prediction_statement: 'Back again.' })]) } : { status: 503, body: { code: 'internal', message: 'Down.' } },
    });
    window.location.hash = '#/calls';
    render(<App services={s} />);
    act(() => FakeWebSocket.last.open());
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load your calls: Down.');
    act(() => FakeWebSocket.last.drop());
    const connection = screen.getByText(/Server connection/).closest('[role="status"]')!;
    expect(connection).toHaveTextContent('Reconnecting…');
    up = true;
    await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(1));
    act(() => FakeWebSocket.last.open());
    expect(connection).toHaveTextContent('Connected');
    expect(await screen.findByText('Back again.')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
