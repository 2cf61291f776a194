import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { NotificationSettings as Settings } from '../../../src/api/types';
import { NotificationSettings } from '../../../src/components/NotificationSettings';
import { renderWith, testServices } from '../../fixtures/render';
import { healthy, notificationSettings } from '../../fixtures/notifications';

/** The section over a fake server that keeps the settings and applies each change as the real one does. */
function renderSettings(start: Settings = notificationSettings(), routes: Parameters<typeof testServices>[0] = {}) {
  let settings = start;
  const { services, requests } = testServices({
    'GET /api/notifications/settings': () => ({ status: 200, body: settings }),
    'PUT /api/notifications/events': (body) => {
      const choices = body as Record<string, Record<string, boolean>>;
      const events = structuredClone(settings.events) as Record<string, Record<string, boolean>>;
      for (const [event, channels] of Object.entries(choices)) Object.assign(events[event]!, channels);
      settings = { ...settings, events: events as Settings['events'] };
      return { status: 200, body: settings };
    },
    'PUT /api/notifications/channels/email': (body) => {
      settings = { ...settings, email: { address: (body as { address: string }).address, health: { ...healthy, status: 'unused', last_success_at: null } } };
      return { status: 200, body: settings };
    },
    'PUT /api/notifications/channels/webhook': (body) => {
      const { url, format, secret } = body as { url: string; format: 'json' | 'slack' | 'discord'; secret?: string };
      settings = { ...settings, webhook: { url, format, health: { ...healthy, status: 'unused', last_success_at: null } } };
      return { status: 200, body: { settings, secret: secret ? null : 'whsec_made_for_you_0123456789' } };
    },
    'DELETE /api/notifications/channels/email': () => ((settings = { ...settings, email: null }), { status: 204 }),
    'POST /api/notifications/test': () => ({ status: 202, body: { event_id: 'test:1', channels: ['inapp', 'email'] } }),
    ...routes,
  });
  renderWith(<NotificationSettings timeZone="UTC" />, services);
  return { requests, user: userEvent.setup(), section: () => screen.getByRole('region', { name: 'Notifications' }) };
}

describe('NotificationSettings', () => {
  it('shows each event per channel and saves a switch', async () => {
    const { user, requests, section } = renderSettings();
    const table = await within(section()).findByRole('table', { name: 'What goes where' });
    expect(within(table).getAllByRole('columnheader').map((cell) => cell.textContent)).toEqual(['Event', 'Bell', 'Emailnot set up', 'Webhooknot set up']);
    const verdictByEmail = within(table).getByRole('checkbox', { name: 'A verdict lands: Email' });
    expect(verdictByEmail).toBeChecked();
    expect(within(table).getByRole('checkbox', { name: 'Weekly digest: Bell' })).not.toBeChecked();
    // The server sends the digest (notify/digest.py): the row says when, not that it never comes.
    const digestRow = within(table).getByRole('rowheader', { name: /^Weekly digest/ });
    expect(digestRow).toHaveTextContent('sent Mondays at 08:00 in your latest call’s timezone');
    expect(digestRow).not.toHaveTextContent(/not sent/);

    await user.click(verdictByEmail);
    await waitFor(() => expect(verdictByEmail).not.toBeChecked());
    expect(requests.find((r) => r.method === 'PUT')).toMatchObject({ url: '/api/notifications/events', body: { verdict: { email: false } } });
    expect(within(section()).getByRole('status')).toHaveTextContent('Saved.');

    await user.click(within(table).getByRole('checkbox', { name: 'Weekly digest: Bell' }));
    await waitFor(() => expect(within(table).getByRole('checkbox', { name: 'Weekly digest: Bell' })).toBeChecked());
    expect(requests.filter((r) => r.method === 'PUT').at(-1)?.body).toEqual({ digest: { inapp: true } });
  });

  it('sets up email, shows where it goes, and removes it', async () => {
    const { user, requests, section } = renderSettings();
    const email = await within(section()).findByRole('region', { name: 'Email' });
    await user.click(within(email).getByRole('button', { name: 'Save email address' }));
    expect(within(email).getByLabelText('Email address')).toHaveAccessibleDescription('Write the address to send to, such as you@example.com.');
    expect(requests.some((r) => r.method === 'PUT')).toBe(false);

    await user.type(within(email).getByLabelText('Email address'), 'dana@example.org');
    await user.click(within(email).getByRole('button', { name: 'Save email address' }));
    expect(await within(email).findByText('Sending to dana@example.org')).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ address: 'dana@example.org' });
    expect(within(section()).getByRole('status')).toHaveTextContent('Email goes to dana@example.org.');
    expect(within(section()).getByRole('columnheader', { name: 'Email' })).toBeInTheDocument(); // set up now

    await user.click(within(email).getByRole('button', { name: 'Remove email' }));
    await waitFor(() => expect(within(email).queryByText('Sending to dana@example.org')).not.toBeInTheDocument());
    expect(within(section()).getByRole('status')).toHaveTextContent('Removed email.');
  });

  it('says so when the server sends no email', async () => {
    const { section } = renderSettings(notificationSettings({ email_available: false }));
    const email = await within(section()).findByRole('region', { name: 'Email' });
    expect(email).toHaveTextContent('This server sends no email');
    expect(within(email).queryByLabelText('Email address')).not.toBeInTheDocument();
  });

  it('sets up a Slack webhook and shows the secret it was given once', async () => {
    const { user, requests, section } = renderSettings();
    const webhook = await within(section()).findByRole('region', { name: 'Webhook' });
    await user.type(within(webhook).getByLabelText('Webhook URL'), 'https://hooks.slack.com/services/T0/B0/x');
    await user.selectOptions(within(webhook).getByLabelText('Payload'), 'Slack incoming webhook');
    await user.click(within(webhook).getByRole('button', { name: 'Save webhook' }));
    const secret = await within(webhook).findByLabelText('Signing secret');
    expect(secret).toHaveValue('whsec_made_for_you_0123456789');
    expect(secret).toHaveFocus();
    expect(webhook).toHaveTextContent('Copy it now: it is not shown again.');
    expect(webhook).toHaveTextContent('Posting to https://hooks.slack.com/services/T0/B0/x (Slack incoming webhook)');
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ url: 'https://hooks.slack.com/services/T0/B0/x', format: 'slack' });

    await user.click(within(webhook).getByRole('button', { name: 'Done' }));
    expect(within(webhook).queryByLabelText('Signing secret')).not.toBeInTheDocument();

    // With a secret of one's own, none is made (and none shown).
    await user.type(within(webhook).getByLabelText('Signing secret (optional)'), 'my-own-secret-of-16+');
    await user.click(within(webhook).getByRole('button', { name: 'Save webhook' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PUT')).toHaveLength(2));
    expect(requests.filter((r) => r.method === 'PUT').at(-1)?.body).toMatchObject({ secret: 'my-own-secret-of-16+' });
    expect(within(webhook).queryByLabelText('Signing secret')).not.toBeInTheDocument();
  });

  it("shows a dead channel's error and how to revive it", async () => {
    const dead = { status: 'dead' as const, failures: 8, last_error: 'HTTP 410 Gone from the webhook', last_failure_at: '2026-11-30T10:00:00+00:00', last_success_at: null, dead_since: '2026-11-30T10:00:00+00:00' };
    const { section } = renderSettings(notificationSettings({ webhook: { url: 'https://example.com/hook', format: 'json', health: dead } }));
    const webhook = await within(section()).findByRole('region', { name: 'Webhook' });
    expect(webhook).toHaveTextContent('Dead: too many messages in a row failed, so nothing more is sent here. Save it again to revive it.');
    expect(webhook).toHaveTextContent('Last error: HTTP 410 Gone from the webhook');
    expect(within(webhook).getByLabelText('Webhook URL')).toHaveValue('https://example.com/hook'); // ready to save again
  });

  it("a server's refusal is shown as it says it", async () => {
    const { user, section } = renderSettings(notificationSettings(), {
      'PUT /api/notifications/channels/webhook': () => ({ status: 400, body: { code: 'bad_request', message: 'Webhooks may only call public addresses.' } }),
    });
    const webhook = await within(section()).findByRole('region', { name: 'Webhook' });
    await user.type(within(webhook).getByLabelText('Webhook URL'), 'http://127.0.0.1/hook');
    await user.click(within(webhook).getByRole('button', { name: 'Save webhook' }));
    expect(await within(section()).findByRole('alert')).toHaveTextContent('Could not save: Webhooks may only call public addresses.');
  });

  it('sends a test and says where it goes', async () => {
    const { user, section } = renderSettings();
    await user.click(await within(section()).findByRole('button', { name: 'Send a test notification' }));
    expect(await within(section()).findByText(/A test is on its way to: Bell, Email\./)).toBeInTheDocument();
  });
});
