import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../../src/App';
import { AuthService } from '../../../src/services/auth';
import { CallsApi } from '../../../src/services/calls';
import { NotificationsApi } from '../../../src/services/notifications';
import { PredictionService } from '../../../src/services/prediction';
import { VerificationApi } from '../../../src/services/verification';
import { WebSocketService } from '../../../src/services/websocket';
import { MemoryStorage, accountsServer } from '../../fixtures/accounts';
import { page, storedCall, type FakeRoute } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

/** The header's "Signed in as NAME", once someone is. */
const whoMatcher = (_: string, element: Element | null) =>
  element?.matches('.account-menu > span') === true && /^Signed in as/.test(element.textContent ?? '');
const signedIn = () => screen.findByText(whoMatcher);

/** The app wired as main.tsx wires it, against a fake server with accounts. */
function renderApp(options: Parameters<typeof accountsServer>[0] = {}, storage = new MemoryStorage()) {
  // The API answers only to a good access token, as the real one does.
  const guarded = (answer: FakeRoute): FakeRoute => (body, request) =>
    server.accepts(request.authorization)
      ? answer(body, request)
      : { status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  const server = accountsServer({
    ...options,
    routes: {
      'GET /api/calls?limit=20': guarded(() => ({ status: 200, body: page([storedCall({ prediction_statement: "Alice's call." })]) })),
      'GET /api/due?limit=100': guarded(() => ({ status: 200, body: { items: [] } })),
      ...options.routes,
    },
  });
  const auth = new AuthService('', { fetchImpl: server.fetchImpl, storage, events: null, locks: null });
  const webSocket = new WebSocketService('ws://test/ws', {
    WebSocketImpl: FakeWebSocket,
    token: auth.accessToken,
    reconnect: { initialDelayMs: 10 },
  });
  const calls = new CallsApi('', server.fetchImpl, auth.accessToken);
  render(
    <App
      services={{
        webSocket,
        predictions: new PredictionService(webSocket),
        calls,
        verification: new VerificationApi(calls.http),
        notifications: new NotificationsApi(calls.http),
        auth,
      }}
    />,
  );
  return { server, auth, storage, user: userEvent.setup() };
}

async function signIn(user: ReturnType<typeof userEvent.setup>, password = 'right password') {
  await user.type(await screen.findByLabelText('Username'), 'alice');
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

beforeEach(() => FakeWebSocket.reset());

describe('accounts (CALLEDIT_AUTH=local)', () => {
  it('signed out: only the sign-in page, and no connection to the server', async () => {
    renderApp();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('CalledIt');
    expect(screen.getByLabelText('Username')).toHaveAttribute('autocomplete', 'username');
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument();
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it('shows the server message for a wrong password, then signs in: the token goes on REST and the WebSocket', async () => {
    const { server, user } = renderApp();
    await signIn(user, 'wrong password');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(screen.getByLabelText('Username')).toHaveFocus();
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');

    await user.clear(screen.getByLabelText('Username'));
    await user.clear(screen.getByLabelText('Password'));
    await signIn(user);
    expect(await signedIn()).toHaveTextContent('Signed in as alice');
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Make a call' })).toHaveFocus());
    await waitFor(() => expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=at-1'));

    await user.click(screen.getByRole('link', { name: 'My Calls' }));
    expect(await screen.findByText("Alice's call.")).toBeInTheDocument();
    expect(server.requests.find((r) => r.url === '/api/calls?limit=20')?.authorization).toBe('Bearer at-1');
  });

  it('signs up from the sign-up page', async () => {
    const { user } = renderApp();
    await user.click(await screen.findByRole('link', { name: 'Create an account' }));
    expect(await screen.findByRole('heading', { name: 'Create an account' })).toHaveFocus();
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('At least 8 characters.');
    await user.type(screen.getByLabelText('Username'), 'taken');
    await user.type(screen.getByLabelText('Password'), 'long enough');
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("The username 'taken' is taken");
    await user.clear(screen.getByLabelText('Username'));
    await user.type(screen.getByLabelText('Username'), 'bob');
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    expect(await signedIn()).toHaveTextContent('Signed in as bob');
    await waitFor(() => expect(window.location.hash).toBe('#/')); // no sign-up page once signed in
  });

  it('signs out: the server is told, the connection closes, and the sign-in page says so', async () => {
    const { server, storage, user } = renderApp();
    await signIn(user);
    await signedIn();
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    const socket = FakeWebSocket.last;
    act(() => socket.open());
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toHaveFocus();
    expect(screen.getByRole('status')).toHaveTextContent('You signed out.');
    expect(server.requests.at(-1)).toMatchObject({ url: '/api/auth/logout', body: { refresh_token: 'rt-1' } });
    expect(socket.closedWith).toBe(1000);
    expect(storage.items.size).toBe(0);
  });

  it('when the session ends on the server, the next request sends you to sign in, with the reason', async () => {
    const { server, user } = renderApp();
    await signIn(user);
    await signedIn();
    server.revoke('at-1');
    server.live.clear(); // signed out everywhere
    await user.click(screen.getByRole('link', { name: 'My Calls' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('This refresh token was already used');
  });

  it('a session from before (a reload) is renewed and used at once', async () => {
    const storage = new MemoryStorage();
    storage.setItem(
      'calledit.session',
      JSON.stringify({ refresh_token: 'rt-0', refresh_expires_at: Date.now() + 1e9, user: { id: 'u-1', username: 'alice' } }),
    );
    const { server } = renderApp({}, storage);
    server.live.add('rt-0');
    expect(await signedIn()).toHaveTextContent('alice');
    await waitFor(() => expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=at-1'));
    expect(screen.getByRole('heading', { name: 'Make a call' })).not.toHaveFocus(); // a page load keeps focus where it was
  });

  it('the access token expiring mid-session (1008): a new token and a new connection, no sign-in', async () => {
    const { user } = renderApp();
    await signIn(user);
    await signedIn();
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    act(() => FakeWebSocket.last.open());
    act(() => {
      FakeWebSocket.last.receive({ type: 'error', code: 'unauthorized', message: 'Your sign-in has expired: get a new token and reconnect.' });
      FakeWebSocket.last.drop(1008);
    });
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(2));
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=at-2');
    act(() => FakeWebSocket.last.open());
    expect(screen.getByText(/Server connection/).closest('[role="status"]')).toHaveTextContent('Connected');
    expect(screen.getByText(whoMatcher)).toBeInTheDocument();
  });

  it('sign-up closed by the operator: the pages say so', async () => {
    const { user } = renderApp({ config: { mode: 'local', token_url: '/api/auth/token', signup: false } });
    expect(await screen.findByText(/Accounts on this server are created by its operator/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Create an account' })).not.toBeInTheDocument();
    window.location.hash = '#/signup';
    await user.click(document.body);
    expect(await screen.findByText(/Sign-up is closed on this server/)).toBeInTheDocument();
  });
});

describe('identity provider (CALLEDIT_AUTH=oidc)', () => {
  it('names the provider and accepts an access token from it', async () => {
    const me: FakeRoute = (_body, request) =>
      request.authorization === 'Bearer idp.jwt'
        ? { status: 200, body: { id: 'sub-9', username: 'dana@example.com', mode: 'oidc', expires_at: null } }
        : { status: 401, body: { code: 'unauthorized', message: 'The token was not issued by this identity provider.' } };
    const { user } = renderApp({
      config: { mode: 'oidc', issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/pool', audience: 'client-1' },
      routes: { 'GET /api/auth/me': me },
    });
    const heading = await screen.findByRole('heading', { name: 'Sign in' });
    const section = heading.closest('section')!;
    expect(section).toHaveTextContent('https://cognito-idp.eu-west-1.amazonaws.com/pool');
    expect(section).toHaveTextContent('client-1');
    expect(section).toHaveTextContent('does not open the provider');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Access token'), 'not.a.token');
    await user.click(screen.getByRole('button', { name: 'Use this token' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('not issued by this identity provider');
    await user.clear(screen.getByLabelText('Access token'));
    await user.type(screen.getByLabelText('Access token'), 'idp.jwt');
    await user.click(screen.getByRole('button', { name: 'Use this token' }));
    expect(await signedIn()).toHaveTextContent('dana@example.com');
    await waitFor(() => expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=idp.jwt'));
  });
});

describe('auth off (CALLEDIT_AUTH=none)', () => {
  it('no auth UI at all: straight to the app, connecting without a token', async () => {
    renderApp({ config: { mode: 'none' } });
    expect(await screen.findByRole('heading', { name: 'Make a call' })).toBeInTheDocument();
    expect(screen.queryByText(whoMatcher)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
    await waitFor(() => expect(FakeWebSocket.last.url).toBe('ws://test/ws'));
    expect(within(screen.getByRole('navigation')).getAllByRole('link').map((link) => link.textContent)).toEqual([
      'New call',
      'My Calls',
      'Track record',
      'Account',
    ]);
  });
});
