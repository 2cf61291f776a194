import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SharedCall, StoredCall } from '../../../src/api/types';
import { CallView } from '../../../src/components/CallView';
import { storedCall, type FakeRoute } from '../../fixtures/calls';
import { renderWith, testServices } from '../../fixtures/render';
import { history } from '../../fixtures/verification';

const URL = 'https://calledit.example/c/Xk3v9QpL2mZ8';

function shared(overrides: Partial<SharedCall> = {}): SharedCall {
  return { url: URL, path: '/c/Xk3v9QpL2mZ8', slug: 'Xk3v9QpL2mZ8', show_confidence: false, shared_at: '2026-11-21T16:00:00+00:00', ...overrides };
}

/** A call's page over a fake server that shares, re-shares and unshares as the real one does. */
function setup(call: StoredCall = storedCall({ confidence: 0.7 }), start: SharedCall | null = null, routes: Record<string, FakeRoute> = {}) {
  const state = { share: start };
  const notShared = { status: 404, body: { code: 'not_found', message: "Call 'c-1' is not shared: POST here to share it." } };
  const { services, requests } = testServices({
    'GET /api/calls/c-1': () => ({ status: 200, body: call }),
    'GET /api/calls/c-1/history': () => ({ status: 200, body: history() }),
    'GET /api/calls/c-1/share': () => (state.share ? { status: 200, body: state.share } : notShared),
    'POST /api/calls/c-1/share': (body) => {
      state.share = shared({ ...(state.share ?? {}), show_confidence: (body as { show_confidence: boolean }).show_confidence });
      return { status: 200, body: state.share };
    },
    'DELETE /api/calls/c-1/share': () => {
      if (!state.share) return notShared;
      state.share = null;
      return { status: 204 };
    },
    ...routes,
  });
  renderWith(<CallView id="c-1" timeZone="UTC" />, services);
  const user = userEvent.setup();
  const open = async () => {
    const button = await screen.findByRole('button', { name: 'Share' });
    await user.click(button);
    return { button, panel: screen.getByRole('region', { name: 'Share this call' }) };
  };
  return { state, requests, user, open, shares: () => requests.filter((r) => r.url === '/api/calls/c-1/share') };
}

afterEach(() => vi.restoreAllMocks());

describe('CallView: sharing a call', () => {
  it('shares it (with my confidence, when I ask), then shows the public address to copy or open', async () => {
    const { user, open, shares } = setup();
    const { button, panel } = await open();
    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(button).toHaveAttribute('aria-controls', panel.id);
    expect(within(panel).getByRole('heading', { name: 'Share this call' })).toHaveFocus();
    const confidence = await within(panel).findByRole('checkbox', { name: 'Show my confidence on the public page' });
    expect(confidence).not.toBeChecked(); // off unless I choose it
    expect(confidence).toHaveAccessibleDescription('Your chance: 70%.');
    expect(within(panel).queryByRole('textbox')).not.toBeInTheDocument();

    await user.click(confidence);
    expect(shares().filter((r) => r.method === 'POST')).toHaveLength(0); // an option until I share
    await user.click(within(panel).getByRole('button', { name: 'Share publicly' }));
    const address = await within(panel).findByRole('textbox', { name: 'Public address' });
    expect(address).toHaveValue(URL);
    expect(address).toHaveAttribute('readonly');
    expect(address).toHaveFocus(); // the button pressed is gone: focus goes to what it made
    expect(shares().find((r) => r.method === 'POST')?.body).toEqual({ show_confidence: true });
    expect(within(panel).getByRole('status')).toHaveTextContent('Shared: anyone with the address can see it.');
    const link = within(panel).getByRole('link', { name: 'Open the public page (opens in a new tab)' });
    expect(link).toHaveAttribute('href', URL);
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    expect(within(panel).getByRole('checkbox', { name: 'Show my confidence on the public page' })).toBeChecked();
    expect(within(panel).getByRole('button', { name: 'Stop sharing' })).toHaveAccessibleDescription(/answers “not found” \(404\) at once/);
  });

  it('closes with Escape (or Close), handing focus back to the Share button', async () => {
    const { user, open } = setup();
    const { button, panel } = await open();
    await within(panel).findByRole('button', { name: 'Share publicly' });
    await user.tab();
    expect(within(panel).getByRole('button', { name: 'Close sharing' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Share this call' })).not.toBeInTheDocument();
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(button).toHaveFocus();

    await user.keyboard('{Enter}');
    const again = screen.getByRole('region', { name: 'Share this call' });
    await user.click(within(again).getByRole('button', { name: 'Close sharing' }));
    expect(screen.queryByRole('region', { name: 'Share this call' })).not.toBeInTheDocument();
    expect(button).toHaveFocus();
  });

  it('a call already shared shows its address and Stop sharing at once; the option changes the page in place', async () => {
    const { user, open, shares } = setup(storedCall({ confidence: null }), shared({ show_confidence: true }));
    const { panel } = await open();
    expect(await within(panel).findByRole('textbox', { name: 'Public address' })).toHaveValue(URL);
    expect(within(panel).getByRole('button', { name: 'Stop sharing' })).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Share publicly' })).not.toBeInTheDocument();
    const confidence = within(panel).getByRole('checkbox', { name: 'Show my confidence on the public page' });
    expect(confidence).toBeChecked();
    expect(confidence).toHaveAccessibleDescription(/You have not given a chance yet.*the address stays the same/);

    await user.click(confidence);
    await waitFor(() => expect(confidence).not.toBeChecked());
    expect(shares().filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ show_confidence: false }]);
    expect(within(panel).getByRole('status')).toHaveTextContent('Your confidence no longer shows on the public page.');
    expect(within(panel).getByRole('textbox', { name: 'Public address' })).toHaveValue(URL); // the same address
  });

  it('stops sharing: says the page is gone at once (404), and offers to share again', async () => {
    const { user, open, shares, state } = setup(storedCall(), shared());
    const { panel } = await open();
    await user.click(await within(panel).findByRole('button', { name: 'Stop sharing' }));
    expect(await within(panel).findByRole('button', { name: 'Share publicly' })).toBeInTheDocument();
    expect(shares().filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(state.share).toBeNull();
    expect(within(panel).getByRole('status')).toHaveTextContent('Stopped sharing: the public page now answers “not found” (404).');
    expect(within(panel).queryByRole('textbox')).not.toBeInTheDocument();
    expect(within(panel).queryByRole('link')).not.toBeInTheDocument();
    expect(within(panel).getByRole('heading', { name: 'Share this call' })).toHaveFocus(); // Stop sharing is gone
  });

  it('copies the address with the clipboard', async () => {
    const { user, open } = setup(storedCall(), shared());
    const { panel } = await open();
    await within(panel).findByRole('textbox', { name: 'Public address' });
    const write = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(within(panel).getByRole('button', { name: 'Copy the address' }));
    expect(write).toHaveBeenCalledWith(URL);
    expect(await navigator.clipboard.readText()).toBe(URL);
    expect(within(panel).getByRole('status')).toHaveTextContent('Copied.');
  });

  for (const how of ['refused', 'missing'] as const) {
    it(`with the clipboard ${how}, selects the address and says how to copy it`, async () => {
      const { user, open } = setup(storedCall(), shared());
      const { panel } = await open();
      const address = await within(panel).findByRole('textbox', { name: 'Public address' });
      if (how === 'refused') vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('Denied', 'NotAllowedError'));
      else vi.spyOn(navigator, 'clipboard', 'get').mockReturnValue(undefined as unknown as Clipboard); // an insecure origin
      await user.click(within(panel).getByRole('button', { name: 'Copy the address' }));
      expect(within(panel).getByRole('status')).toHaveTextContent('The address is selected: press Ctrl+C');
      expect(address).toHaveFocus();
      expect([(address as HTMLInputElement).selectionStart, (address as HTMLInputElement).selectionEnd]).toEqual([0, URL.length]);
    });
  }

  it('says why when it could not share', async () => {
    const refused: FakeRoute = () => ({ status: 429, body: { code: 'rate_limited', message: 'Too many changes: wait a minute.' } });
    const first = setup(storedCall(), null, { 'POST /api/calls/c-1/share': refused });
    const { panel } = await first.open();
    await first.user.click(await within(panel).findByRole('button', { name: 'Share publicly' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('Could not share the call: Too many changes: wait a minute.');
    expect(within(panel).getByRole('button', { name: 'Share publicly' })).toBeInTheDocument();
  });

  it('says so when the server cannot tell whether the call is shared, with a retry', async () => {
    let fail = true;
    const { open, user } = setup(storedCall(), null, {
      'GET /api/calls/c-1/share': () =>
        fail ? { status: 500, body: { code: 'internal', message: 'The database is locked.' } } : { status: 200, body: shared() },
    });
    const { panel } = await open();
    expect(await within(panel).findByRole('alert')).toHaveTextContent('Could not read whether this call is shared: The database is locked.');
    fail = false;
    await user.click(within(panel).getByRole('button', { name: 'Try again' }));
    expect(await within(panel).findByRole('textbox', { name: 'Public address' })).toHaveValue(URL);
  });
});
