import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AccountPage } from '../../../src/components/AccountPage';
import type { AuthService } from '../../../src/services/auth';
import { notificationSettings } from '../../fixtures/notifications';
import { renderWith, testServices } from '../../fixtures/render';

/** The notification settings, for a fetch stand-in that answers everything else itself. */
const settingsAnswer = (url: string) =>
  url === '/api/notifications/settings' ? new Response(JSON.stringify(notificationSettings()), { status: 200 }) : null;

const account = { auth: { signOut: vi.fn(() => Promise.resolve()) } as unknown as AuthService, user: { id: 'u-1', username: 'alice' } };
const token = (id: string, name: string) => ({
  id,
  name,
  hint: 'cit_Ab3x',
  created_at: '2026-11-20T10:00:00+00:00',
  expires_at: null,
  last_used_at: null,
});

describe('AccountPage: personal API tokens', () => {
  it('creates a token and shows it once, lists tokens, and revokes one', async () => {
    let tokens = [token('t-1', 'laptop CLI')];
    const { services, requests } = testServices({
      'GET /api/tokens': () => ({ status: 200, body: { items: tokens } }),
      'POST /api/tokens': (body) => {
        const { name } = body as { name: string };
        tokens = [...tokens, token('t-2', name)];
        return { status: 201, body: { ...token('t-2', name), token: 'cit_secret_value' } };
      },
      'DELETE /api/tokens/t-1': () => ((tokens = tokens.filter((t) => t.id !== 't-1')), { status: 204 }),
    });
    renderWith(<AccountPage account={account} timeZone="UTC" />, services);
    const user = userEvent.setup();
    const section = screen.getByRole('region', { name: 'Personal API tokens' });
    expect(await within(section).findByText('laptop CLI')).toBeInTheDocument();

    await user.click(within(section).getByRole('button', { name: 'Create token' }));
    expect(within(section).getByRole('alert')).toHaveTextContent('Give the token a name');
    await user.type(within(section).getByLabelText('Name'), 'backup script');
    await user.selectOptions(within(section).getByLabelText('Expires after'), '30 days');
    await user.click(within(section).getByRole('button', { name: 'Create token' }));
    expect(await within(section).findByLabelText('New token')).toHaveValue('cit_secret_value');
    expect(section).toHaveTextContent('Copy it now: it is not shown again.');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'backup script', expires_in_days: 30 });
    expect(await within(section).findByText('backup script')).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Done' }));
    expect(within(section).queryByLabelText('New token')).not.toBeInTheDocument();

    await user.click(within(section).getByRole('button', { name: 'Revoke laptop CLI' }));
    expect(await within(section).findByText('Revoked laptop CLI.')).toBeInTheDocument();
    await waitFor(() => expect(within(section).queryByText('laptop CLI')).not.toBeInTheDocument());
  });

  it('with accounts off, says no tokens are needed (and asks the server for none)', () => {
    const { services, requests } = testServices();
    renderWith(<AccountPage account={null} timeZone="UTC" />, services);
    expect(screen.getByText(/runs without accounts/)).toBeInTheDocument();
    expect(requests.map((r) => r.url).filter((url) => url.startsWith('/api/tokens'))).toEqual([]);
  });
});

describe('AccountPage: data in and out', () => {
  it('exports as CSV with the name the server suggests', async () => {
    const { services } = testServices();
    const fetchImpl = vi.fn(async (url: string) => settingsAnswer(url) ?? new Response('id,statement\n', { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="calledit-20261201.csv"' } }));
    (services.calls.http as unknown as { fetchImpl: typeof fetchImpl }).fetchImpl = fetchImpl;
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:x');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderWith(<AccountPage account={null} timeZone="UTC" />, services);
    await userEvent.click(screen.getByRole('button', { name: 'Export as CSV' }));
    expect(await screen.findByText('Downloaded calledit-20261201.csv.')).toBeInTheDocument();
    expect(fetchImpl).toHaveBeenCalledWith('/api/export?format=csv', expect.objectContaining({ method: 'GET' }));
    expect(created).toHaveBeenCalled();
    expect(clicked).toHaveBeenCalled();
  });

  it("imports Fatebook's CSV as it is and reports what was skipped and why", async () => {
    const { services } = testServices();
    const fetchImpl = vi.fn<(url: string, init?: RequestInit) => Promise<Response>>(async (url) =>
      settingsAnswer(url) ?? new Response(JSON.stringify({ imported: 2, skipped: 1, errors: [{ row: 4, message: 'No question title.' }] }), { status: 200 }),
    );
    (services.calls.http as unknown as { fetchImpl: typeof fetchImpl }).fetchImpl = fetchImpl;
    renderWith(<AccountPage account={null} timeZone="UTC" />, services);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Choose a file first.');
    await user.selectOptions(screen.getByLabelText('It comes from'), 'Fatebook (CSV export)');
    const csv = '"Question title","Forecast (scale = 0-1)"\n"Rain?",0.7\n';
    await user.upload(screen.getByLabelText('File to import'), new File([csv], 'fatebook.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported 2 calls; skipped 1.')).toBeInTheDocument();
    expect(screen.getByText('Row 4: No question title.')).toBeInTheDocument();
    const [url, init] = fetchImpl.mock.calls.find(([called]) => called.startsWith('/api/import'))!;
    expect(url).toBe('/api/import?format=fatebook');
    expect(init?.body).toBe(csv);
    expect(new Headers(init?.headers).get('Content-Type')).toBe('text/csv');
  });
});
