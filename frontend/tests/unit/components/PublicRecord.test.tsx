import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PublicProfile } from '../../../src/api/types';
import { PublicRecord } from '../../../src/components/PublicRecord';
import { renderWith, testServices } from '../../fixtures/render';

const URL_ON = 'https://calledit.example/u/dana';

function renderRecord(start: PublicProfile = { enabled: false, url: null }) {
  let profile = start;
  const { services, requests } = testServices({
    'GET /api/profile/public': () => ({ status: 200, body: profile }),
    'PUT /api/profile/public': (body) => {
      const { enabled } = body as { enabled: boolean };
      profile = { enabled, url: enabled ? URL_ON : null };
      return { status: 200, body: profile };
    },
  });
  renderWith(<PublicRecord />, services);
  return { requests, user: userEvent.setup(), section: () => screen.getByRole('region', { name: 'Public track record' }) };
}

describe('PublicRecord', () => {
  it('is off by default; turning it on shows its address, turning it off hides it', async () => {
    const { user, requests, section } = renderRecord();
    const toggle = await within(section()).findByRole('switch', { name: 'Show my track record publicly' });
    expect(toggle).not.toBeChecked();
    expect(toggle).toHaveAccessibleDescription(/Off unless you turn it on/);
    expect(section()).toHaveTextContent('Your public track record is off.');
    expect(within(section()).queryByRole('link')).not.toBeInTheDocument();

    await user.click(toggle);
    const link = await within(section()).findByRole('link', { name: URL_ON });
    expect(link).toHaveAttribute('href', URL_ON);
    expect(toggle).toBeChecked();
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ enabled: true });
    expect(within(section()).getByRole('status')).toHaveTextContent('Your public track record is on.');

    await user.click(toggle);
    await waitFor(() => expect(within(section()).queryByRole('link')).not.toBeInTheDocument());
    expect(toggle).not.toBeChecked();
    expect(requests.filter((r) => r.method === 'PUT').at(-1)?.body).toEqual({ enabled: false });
    expect(within(section()).getByRole('status')).toHaveTextContent('its page is gone');
  });

  it('shows the address of a record that is already on', async () => {
    const { section } = renderRecord({ enabled: true, url: URL_ON });
    expect(await within(section()).findByRole('link', { name: URL_ON })).toBeInTheDocument();
    expect(within(section()).getByRole('switch')).toBeChecked();
  });

  it("says why when the server refuses", async () => {
    const { services } = testServices({
      'GET /api/profile/public': () => ({ status: 200, body: { enabled: false, url: null } }),
      'PUT /api/profile/public': () => ({ status: 429, body: { code: 'rate_limited', message: 'Too many changes: wait a minute.' } }),
    });
    renderWith(<PublicRecord />, services);
    await userEvent.setup().click(await screen.findByRole('switch'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not change your public track record: Too many changes: wait a minute.');
    expect(screen.getByRole('switch')).not.toBeChecked();
  });
});
