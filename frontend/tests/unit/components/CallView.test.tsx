import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { CallHistory, StoredCall } from '../../../src/api/types';
import { CallView } from '../../../src/components/CallView';
import { checkedCall, storedCall, type FakeRoute } from '../../fixtures/calls';
import { renderWith, testServices } from '../../fixtures/render';
import { agentVerdict, agentVerified, change, history, ownerVerdict, pending } from '../../fixtures/verification';

/** A server holding one call and its history; `routes` add or replace answers. */
function setup(call: StoredCall, calls: CallHistory = history(), routes: Record<string, FakeRoute> = {}) {
  const state = { call, history: calls };
  const { services, requests } = testServices({
    'GET /api/calls/c-1': () => ({ status: 200, body: state.call }),
    'GET /api/calls/c-1/history': () => ({ status: 200, body: state.history }),
    ...routes,
  });
  const onWillChange = vi.fn();
  const onDeleted = vi.fn();
  const view = renderWith(<CallView id="c-1" timeZone="UTC" onWillChange={onWillChange} onDeleted={onDeleted} />, services);
  return { state, requests, onWillChange, onDeleted, view, user: userEvent.setup() };
}

describe('CallView: the outcome', () => {
  it("shows the agent's verdict in the one vocabulary, with evidence, and its notes in words", async () => {
    setup(storedCall({ status: 'verified', verdict: agentVerdict, outcome: 'called_it' }), history([agentVerified]));
    const panel = await screen.findByRole('group', { name: 'Outcome' });
    expect(panel.querySelector('p')).toHaveTextContent(/^Called it 90% sure, .* by the agent$/);
    expect(panel).not.toHaveTextContent(/Verdict:|Status:/);
    // Why (the model, its reasoning) and the evidence are folded, so the page stays short on a phone.
    const fold = within(panel).getByText('Why, and the evidence (1)').closest('details')!;
    expect(fold).not.toHaveAttribute('open');
    expect(fold).toHaveTextContent('Checked by scripted (test double).The final score shows the Lakers ahead.');
    expect(within(within(fold).getByRole('list', { name: 'Evidence' })).getByRole('listitem')).toHaveTextContent(
      'NBA.comLakers 112 – 104 CelticsCriterion: The Lakers scored more points',
    );
    await userEvent.setup().click(within(panel).getByText('Why, and the evidence (1)'));
    expect(fold).toHaveAttribute('open');
    expect(await screen.findByRole('heading', { name: "Override the agent's verdict" })).toBeInTheDocument();
    const entries = screen.getByText('History').closest('details')!.querySelectorAll('li');
    expect(entries[0]).toHaveTextContent(/The agent settled it: Called it \(90% sure\) — The agent used 2 tools: the clock, a calculator\.$/);
    expect(entries[0]!.textContent).not.toContain('tool uses');
  });

  it('a void call says it counts neither way; a verdict by hand says so', async () => {
    const first = setup(storedCall({ status: 'void' }));
    expect(await screen.findByRole('group', { name: 'Outcome' })).toHaveTextContent('Void: this call was set aside');
    first.view.unmount();
    setup(storedCall({ status: 'verified', verdict: ownerVerdict('refuted', 'It rained.') }));
    const panel = await screen.findByRole('group', { name: 'Outcome' });
    expect(panel).toHaveTextContent(/Missed it.* by you/);
    expect(within(panel).getByRole('listitem')).toHaveTextContent(/^YouIt rained\./);
    expect(panel.querySelector('details')).toBeNull(); // your own note is not folded away
  });

  it('shows the statement and its date, and folds how it is checked, your words and when it was logged', async () => {
    setup(storedCall({ raw_prompt: 'lakers tonight' }));
    const statement = await screen.findByRole('group', { name: 'Prediction' });
    expect(statement.closest('details')).toBeNull();
    expect(screen.getByRole('group', { name: 'Checks' }).closest('details')).toBeNull();
    const fold = screen.getByText('How it is checked, and more').closest('details')!;
    expect(fold).not.toHaveAttribute('open');
    for (const name of ['Why this date', 'What counts', 'Kind', 'Verifiability', 'How it is checked', 'Where to look', 'Steps', 'Your words']) {
      expect(within(fold).getByRole('group', { name })).toBeInTheDocument();
    }
    expect(within(fold).getByRole('group', { name: 'Your words' })).toHaveTextContent('lakers tonight');
    expect(fold).toHaveTextContent(/Logged .* · timezone America\/Los_Angeles · written by scripted \(test double\)/);
    expect(screen.getByRole('group', { name: 'Checks' })).not.toHaveTextContent('"Tonight" in Los Angeles'); // its reasoning is in the fold
  });

  it('says when a call does not exist', async () => {
    const { services } = testServices({
      'GET /api/calls/c-1': () => ({ status: 404, body: { code: 'not_found', message: 'No call c-1.' } }),
      'GET /api/calls/c-1/history': () => ({ status: 404, body: { code: 'not_found', message: 'No call c-1.' } }),
    });
    renderWith(<CallView id="c-1" timeZone="UTC" />, services);
    expect(await screen.findByRole('alert')).toHaveTextContent('This call does not exist');
  });
});

describe('CallView: changing it', () => {
  it('resolves with a note (Called it / Missed it / Void), saying what it did', async () => {
    const t = setup(storedCall(), history([], '2026-11-22T07:59:00+00:00'), {
      'POST /api/calls/c-1/resolve': (body) => {
        const { resolution, note } = body as { resolution: 'refuted'; note: string };
        t.state.call = storedCall({ status: 'verified', verdict: ownerVerdict(resolution, note) });
        t.state.history = history([change({ id: 'h-1', action: 'resolved', after: { ...pending, status: 'verified', verdict: t.state.call.verdict }, note })]);
        return { status: 200, body: t.state.call };
      },
    });
    await t.user.type(await screen.findByLabelText('Note (optional)'), 'It rained.');
    await t.user.click(screen.getByRole('button', { name: 'Missed it' }));
    expect(await screen.findByText('Marked missed it: it did not come true.')).toBeInTheDocument();
    expect(t.requests.find((r) => r.method === 'POST')?.body).toEqual({ resolution: 'refuted', note: 'It rained.' });
    expect(t.onWillChange).toHaveBeenCalledWith('c-1');
    expect(await screen.findByRole('group', { name: 'Outcome' })).toHaveTextContent('Missed it');
    await waitFor(() => expect(screen.getByText('History').closest('details')!).toHaveTextContent('You resolved it: Missed it — “It rained.”'));
  });

  it('updates the forecast: each update is listed with when it was made', async () => {
    const t = setup(storedCall({ confidence: 0.6 }), history(), {
      'PATCH /api/calls/c-1': (body) => {
        const { confidence } = body as { confidence: number };
        t.state.call = storedCall({ confidence });
        t.state.history = history([
          change({ id: 'h-1', action: 'confidence', at: '2026-11-23T10:00:00+00:00', before: { ...pending, confidence: 0.6 }, after: { ...pending, confidence } }),
        ]);
        return { status: 200, body: t.state.call };
      },
    });
    const forecast = await screen.findByRole('region', { name: 'Forecast' });
    expect(forecast).toHaveTextContent('Your chance now: 60%');
    await t.user.click(within(forecast).getByRole('button', { name: 'Update my chance' }));
    const input = within(forecast).getByLabelText('New chance');
    expect(input).toHaveFocus();
    await t.user.clear(input);
    await t.user.type(input, '3:1');
    await t.user.click(within(forecast).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Your chance is now 75%.')).toBeInTheDocument();
    expect(t.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ confidence: 0.75 });
    await waitFor(() => expect(within(forecast).getByRole('button', { name: 'Update my chance' })).toHaveFocus());
    await waitFor(() => expect(within(forecast).getByRole('list')).toHaveTextContent(/23 Nov 2026|Nov 23, 2026/));
    expect(within(forecast).getByRole('list')).toHaveTextContent('60% → 75%');
  });

  it("edits the statement and the check's condition until it is verified (PATCH, only what changed)", async () => {
    const call = storedCall({ ...checkedCall, check: checkedCall.check });
    const t = setup(call, history(), {
      'PATCH /api/calls/c-1': (body) => {
        t.state.call = { ...t.state.call, ...(body as Partial<StoredCall>) };
        return { status: 200, body: t.state.call };
      },
    });
    await t.user.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit the call' });
    await t.user.clear(within(form).getByLabelText('Prediction'));
    await t.user.type(within(form).getByLabelText('Prediction'), 'Bitcoin closes at or above $120,000.');
    await t.user.selectOptions(within(form).getByLabelText('Condition'), 'at least');
    await t.user.clear(within(form).getByLabelText(/^Value/));
    await t.user.type(within(form).getByLabelText(/^Value/), '120000');
    await t.user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Saved. The change is in the history.')).toBeInTheDocument();
    const sent = t.requests.find((r) => r.method === 'PATCH')!.body as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(['check', 'prediction_statement', 'verification_method']);
    expect(sent.check).toMatchObject({ comparator: '>=', threshold: 120000, coin: 'bitcoin' });
    expect((sent.verification_method as { criteria: string[] }).criteria[0]).toBe(
      'CoinGecko price of bitcoin in USD (last of the UTC day) on Tue 1 Dec 2026 >= 120,000 USD',
    );
    // In words on screen: "at least", not ">=".
    expect(screen.getByRole('group', { name: 'What counts' })).toHaveTextContent('on Tue 1 Dec 2026 at least 120,000 USD');
  });

  it('a verified call offers no edit', async () => {
    setup(storedCall({ status: 'verified', verdict: agentVerdict }));
    await screen.findByRole('group', { name: 'Outcome' });
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('adds a tag', async () => {
    const t = setup(storedCall(), history(), {
      'PATCH /api/calls/c-1': (body) => {
        t.state.call = storedCall({ tags: (body as { tags: string[] }).tags });
        return { status: 200, body: t.state.call };
      },
    });
    await t.user.type(await screen.findByLabelText(/^Add a tag to/), 'sport{Enter}');
    await waitFor(() => expect(t.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ tags: ['sport'] }));
    expect(await screen.findByText('#sport')).toBeInTheDocument();
  });

  it('undoes the latest change, naming it, and deletes after confirmation', async () => {
    const resolved = change({ id: 'h-1', action: 'resolved', after: { ...pending, status: 'void' } });
    const t = setup(storedCall({ status: 'void' }), history([resolved]), {
      'POST /api/calls/c-1/undo': () => {
        t.state.call = storedCall();
        t.state.history = history([resolved, change({ id: 'h-2', action: 'undone', undoes: 'h-1', before: { ...pending, status: 'void' } })]);
        return { status: 200, body: t.state.call };
      },
      'DELETE /api/calls/c-1': () => ({ status: 204 }),
    });
    expect(await screen.findByText('Undo the latest change: You marked it void')).toBeInTheDocument();
    await t.user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await screen.findByText('Undone: You marked it void.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument());
    await t.user.click(screen.getByRole('button', { name: 'Delete call' }));
    await t.user.click(screen.getByRole('button', { name: 'Keep it' }));
    await t.user.click(screen.getByRole('button', { name: 'Delete call' }));
    expect(screen.getByRole('button', { name: 'Yes, delete it' })).toHaveFocus();
    await t.user.click(screen.getByRole('button', { name: 'Yes, delete it' }));
    await waitFor(() => expect(t.onDeleted).toHaveBeenCalled());
  });

  it('asks the agent to check now; a call only you can judge has no such button', async () => {
    const t = setup(storedCall(), history(), { 'POST /api/calls/c-1/check': () => ({ status: 202, body: history([], '2026-11-22T08:00:00+00:00') }) });
    await t.user.click(await screen.findByRole('button', { name: 'Ask the agent to check now' }));
    expect(await screen.findByText(/Asked the agent to check it now/)).toBeInTheDocument();
    t.view.unmount();
    setup(storedCall({ verifiable_category: 'human_verifiable_only' }));
    expect(await screen.findByText(/Only you can judge this call/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Ask the agent to check now' })).not.toBeInTheDocument();
  });
});
