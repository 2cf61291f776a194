import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { NotificationBell } from '../../../src/components/NotificationBell';
import { renderWith, testServices } from '../../fixtures/render';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';
import { bellRoutes, notification } from '../../fixtures/notifications';

beforeEach(() => FakeWebSocket.reset());

/** The bell over a fake server holding `items`, with its WebSocket open. */
async function renderBell(items = [notification()], extra: Parameters<typeof testServices>[0] = {}, onScreen: string | null = null) {
  const bell = bellRoutes(items);
  const { services, requests } = testServices({ ...bell.routes, ...extra });
  const connected = services.webSocket.connect();
  act(() => FakeWebSocket.last.open());
  await connected;
  renderWith(<NotificationBell timeZone="UTC" onScreen={onScreen} />, services);
  return { bell, requests, user: userEvent.setup(), button: () => screen.getByRole('button', { name: /^Notifications/ }) };
}

const panel = () => screen.getByRole('region', { name: 'Notifications' });

describe('NotificationBell', () => {
  it('shows the unread count, and a notification that arrives on the WebSocket raises it and is announced', async () => {
    const { button, user, bell, requests } = await renderBell([notification(), notification({ id: 'due:c-2', kind: 'due', call_id: 'c-2', title: 'Your call needs you: Snow.', read_at: '2026-11-30T09:00:00+00:00' })]);
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications, 1 unread'));
    expect(button()).toHaveTextContent('1');

    const arrived = notification({ id: 'verdict:h-9', call_id: 'c-9', title: 'Your call was refuted: Lakers win.' });
    bell.items.unshift(arrived); // the server keeps it, then pushes it
    act(() => FakeWebSocket.last.receive({ type: 'notification', notification: arrived, unread: 2 }));
    expect(button()).toHaveAccessibleName('Notifications, 2 unread');
    expect(screen.getByRole('status')).toHaveTextContent('New notification (2 unread): Your call was refuted: Lakers win.');
    expect(button()).toHaveTextContent('2');
    expect(requests.filter((r) => r.method === 'GET')).toHaveLength(1); // from the event itself: nothing fetched again

    await user.click(button());
    const titles = within(panel()).getAllByRole('listitem').map((item) => item.querySelector('.bell-item-title')?.textContent);
    expect(titles[0]).toBe('Unread: Your call was refuted: Lakers win.'); // the newest first
    expect(titles).toHaveLength(3);
  });

  it("counts a verdict for the call on screen but leaves announcing it to that call's page", async () => {
    const { button, bell } = await renderBell([notification({ read_at: '2026-11-30T09:00:00+00:00' })], {}, 'c-9');
    await screen.findByText(/^Your call was confirmed: Rain in Paris/, { selector: '.bell-item-title' }); // loaded (panel hidden)
    const onScreen = notification({ id: 'verdict:h-9', call_id: 'c-9', title: 'Your call was refuted: Lakers win.' });
    bell.items.unshift(onScreen);
    act(() => FakeWebSocket.last.receive({ type: 'notification', notification: onScreen, unread: 1 }));
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications, 1 unread'));
    expect(screen.getByRole('status')).toBeEmptyDOMElement(); // the page's "just checked" notice says it once

    const elsewhere = notification({ id: 'verdict:h-10', call_id: 'c-10', title: 'Your call was confirmed: Snow.' });
    act(() => FakeWebSocket.last.receive({ type: 'notification', notification: elsewhere, unread: 2 }));
    expect(screen.getByRole('status')).toHaveTextContent('New notification (2 unread): Your call was confirmed: Snow.');
    const due = notification({ id: 'due:c-9', kind: 'due', call_id: 'c-9', title: 'Your call needs you: Lakers win.' });
    act(() => FakeWebSocket.last.receive({ type: 'notification', notification: due, unread: 3 }));
    expect(screen.getByRole('status')).toHaveTextContent('New notification (3 unread): Your call needs you: Lakers win.'); // no page says this
  });

  it('opens as a disclosure: focus moves to its heading, Escape closes it and focus returns to the bell', async () => {
    const { button, user } = await renderBell();
    expect(button()).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('region', { name: 'Notifications' })).not.toBeInTheDocument(); // hidden

    await user.click(button());
    expect(button()).toHaveAttribute('aria-expanded', 'true');
    expect(button()).toHaveAttribute('aria-controls', panel().id);
    expect(within(panel()).getByRole('heading', { name: 'Notifications' })).toHaveFocus();

    await user.keyboard('{Tab}');
    expect(within(panel()).getByRole('button', { name: 'Mark all read' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(button()).toHaveAttribute('aria-expanded', 'false');
    expect(button()).toHaveFocus();

    await user.keyboard('{Enter}');
    expect(panel()).toBeVisible();
    await user.click(within(panel()).getByRole('button', { name: 'Close notifications' }));
    expect(button()).toHaveFocus();
    expect(button()).toHaveAttribute('aria-expanded', 'false');
  });

  it('closes on a click outside it', async () => {
    const { button, user } = await renderBell();
    const outside = document.createElement('button');
    outside.textContent = 'elsewhere';
    document.body.append(outside);
    await user.click(button());
    expect(panel()).toBeVisible();
    await user.click(outside);
    expect(button()).toHaveAttribute('aria-expanded', 'false');
    outside.remove();
  });

  it('marks one read (focus stays on it), then all read', async () => {
    const { button, user, requests } = await renderBell([
      notification({ id: 'n-1', title: 'First.' }),
      notification({ id: 'n-2', title: 'Second.' }),
    ]);
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications, 2 unread'));
    await user.click(button());
    await user.click(within(panel()).getByRole('button', { name: 'Mark read: Second.' }));
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications, 1 unread'));
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ ids: ['n-2'] });
    expect(within(panel()).queryByRole('button', { name: 'Mark read: Second.' })).not.toBeInTheDocument();
    expect(within(panel()).getByText('Second.')).toHaveFocus();
    expect(within(panel()).getByText('Second.')).not.toHaveTextContent('Unread');

    await user.click(within(panel()).getByRole('button', { name: 'Mark all read' }));
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications'));
    expect(requests.filter((r) => r.method === 'POST').at(-1)?.body).toEqual({});
    expect(within(panel()).queryByRole('button', { name: /^Mark/ })).not.toBeInTheDocument();
    expect(within(panel()).getByRole('heading', { name: 'Notifications' })).toHaveFocus();
    expect(screen.getByRole('status')).toHaveTextContent('All read.');
  });

  it('links to the call: following it marks it read and closes the panel', async () => {
    const { button, user, requests } = await renderBell([notification({ id: 'n-1', call_id: 'c/7' })]);
    await user.click(button());
    const link = await within(panel()).findByRole('link', { name: 'Open the call' });
    expect(link).toHaveAttribute('href', '#/calls/c%2F7');
    await user.click(link);
    expect(button()).toHaveAttribute('aria-expanded', 'false');
    await waitFor(() => expect(button()).toHaveAccessibleName('Notifications'));
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ ids: ['n-1'] });
    expect(window.location.hash).toBe('#/calls/c%2F7');
  });

  it('says when there is nothing yet, and links to the settings', async () => {
    const { button, user } = await renderBell([]);
    await user.click(button());
    expect(await within(panel()).findByText(/Nothing yet/)).toBeInTheDocument();
    expect(within(panel()).getByRole('link', { name: 'Choose what you are told, and where' })).toHaveAttribute('href', '#/account');
  });

  it('shows why the list could not be loaded', async () => {
    const { button, user } = await renderBell([], {
      'GET /api/notifications?limit=30': () => ({ status: 502, body: { code: 'model_error', message: 'The DynamoDB storage adapter keeps no notifications yet.' } }),
    });
    await user.click(button());
    expect(await within(panel()).findByRole('alert')).toHaveTextContent('Could not load your notifications: The DynamoDB storage adapter keeps no notifications yet.');
    expect(button()).toHaveAccessibleName('Notifications');
  });
});
