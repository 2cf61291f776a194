import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CallView } from '../../../src/components/CallView';
import { CallsApi } from '../../../src/services/calls';
import { VerificationApi } from '../../../src/services/verification';
import type { StoredCall } from '../../../src/types/protocol';
import type { CallHistory } from '../../../src/types/verification';
import { fakeFetch, storedCall, type FakeRoute } from '../../fixtures/calls';
import { agentVerdict, agentVerified, change, history, ownerVerdict } from '../../fixtures/verification';

/** A server holding one call and its history; `routes` add or replace answers. */
function setup(call: StoredCall, calls: CallHistory = history(), routes: Record<string, FakeRoute> = {}) {
  const state = { call, history: calls };
  const { fetchImpl, requests } = fakeFetch({
    'GET /api/calls/c-1': () => ({ status: 200, body: state.call }),
    'GET /api/calls/c-1/history': () => ({ status: 200, body: state.history }),
    ...routes,
  });
  const api = new CallsApi('', fetchImpl);
  const onChanged = vi.fn();
  const onWillChange = vi.fn();
  const view = render(
    <CallView
      callsApi={api}
      verification={new VerificationApi(api.http)}
      id="c-1"
      timeZone="UTC"
      onChanged={onChanged}
      onWillChange={onWillChange}
    />,
  );
  return { state, requests, onChanged, onWillChange, view, api, user: userEvent.setup() };
}

const verified = storedCall({ status: 'verified', verdict: agentVerdict });

describe('CallView: the verdict', () => {
  it("shows the agent's verdict with its evidence, reasoning, confidence, time and model", async () => {
    setup(verified, history([agentVerified]));
    const panel = await screen.findByRole('group', { name: 'Verdict' });
    expect(panel).toHaveTextContent(
      /^VerdictVerdict: Confirmed with 90% confidence, checked (22 Nov 2026, 08:00|Nov 22, 2026, 8:00 AM) by the agent \(scripted \(test double\)\)/,
    );
    expect(panel).toHaveTextContent('The final score shows the Lakers ahead.');
    const evidence = within(panel).getByRole('list', { name: 'Evidence' });
    expect(within(evidence).getByRole('listitem')).toHaveTextContent(
      'NBA.comLakers 112 – 104 CelticsCriterion: The Lakers scored more points',
    );
    expect(await screen.findByRole('heading', { name: "Override the agent's verdict" })).toBeInTheDocument();
    const entries = within(screen.getByRole('region', { name: 'History' })).getAllByRole('listitem');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toHaveTextContent(/2026.* The agent verified it: Confirmed \(90% sure\) — “2 tool uses: current_time, calculate”$/);
  });

  it('a verdict set by hand says so, and a void call says it counts neither way', async () => {
    const byHand = setup(storedCall({ status: 'verified', verdict: ownerVerdict('refuted', 'It rained.') }));
    const panel = await screen.findByRole('group', { name: 'Verdict' });
    expect(panel).toHaveTextContent(/^VerdictVerdict: Refuted set by you on (22 Nov 2026, 09:00|Nov 22, 2026, 9:00 AM)/);
    expect(panel).not.toHaveTextContent('confidence');
    expect(within(panel).getByRole('listitem')).toHaveTextContent(/^YouIt rained\./);
    byHand.view.unmount();

    setup(storedCall({ status: 'void' }));
    expect(await screen.findByRole('group', { name: 'Verdict' })).toHaveTextContent('Void: this call was set aside');
    expect(screen.getByRole('heading', { name: 'Change your resolution' })).toBeInTheDocument();
  });
});

describe('CallView: resolving by hand', () => {
  it('resolves with a note, shows the new verdict and history, and tells the app', async () => {
    const t = setup(storedCall(), history([], '2026-11-22T07:59:00+00:00'), {
      'POST /api/calls/c-1/resolve': (body) => {
        const { resolution, note } = body as { resolution: 'refuted'; note: string };
        t.state.call = storedCall({ status: 'verified', verdict: ownerVerdict(resolution, note) });
        t.state.history = history([
          change({ id: 'h-1', action: 'resolved', after: { status: 'verified', verdict: t.state.call.verdict, confidence: null, next_check_at: null }, note }),
        ]);
        return { status: 200, body: t.state.call };
      },
    });
    expect(await screen.findByRole('heading', { name: 'Resolve it yourself' })).toBeInTheDocument();
    expect(screen.getByText(/The agent checks it next/)).toHaveTextContent(/next (22 Nov 2026, 07:59|Nov 22, 2026, 7:59 AM)\.$/);
    const note = screen.getByLabelText('Note (optional)');
    await t.user.type(note, 'They lost by ten.');
    await t.user.click(screen.getByRole('button', { name: 'Mark refuted' }));

    expect(await screen.findByText('Marked refuted: it did not come true.')).toBeInTheDocument();
    expect(t.onWillChange).toHaveBeenCalledWith('c-1');
    expect(t.requests.find((r) => r.method === 'POST')?.body).toEqual({ resolution: 'refuted', note: 'They lost by ten.' });
    expect(screen.getByRole('group', { name: 'Verdict' })).toHaveTextContent('Verdict: Refuted set by you');
    expect(screen.getByText('Status: Verified')).toBeInTheDocument();
    expect(note).toHaveValue('');
    await waitFor(() =>
      expect(within(screen.getByRole('region', { name: 'History' })).getByRole('listitem')).toHaveTextContent(
        'You resolved it: Refuted — “They lost by ten.”',
      ),
    );
    expect(t.onChanged).toHaveBeenCalledWith(expect.objectContaining({ status: 'verified' }));
    expect(screen.getByRole('heading', { name: 'Change your resolution' })).toBeInTheDocument();
  });

  it("shows the server's message when resolving fails, and keeps the note", async () => {
    const t = setup(storedCall(), history(), {
      'POST /api/calls/c-1/resolve': () => ({ status: 429, body: { code: 'rate_limited', message: 'Too many changes: wait a minute.' } }),
    });
    await t.user.type(await screen.findByLabelText('Note (optional)'), 'Sure of it');
    await t.user.click(screen.getByRole('button', { name: 'Mark confirmed' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many changes: wait a minute.');
    expect(screen.getByLabelText('Note (optional)')).toHaveValue('Sure of it');
    expect(t.onChanged).not.toHaveBeenCalled();
  });

  it('undoes the latest change, saying which, and offers no undo when nothing is left', async () => {
    const resolved = change({
      id: 'h-2',
      action: 'overridden',
      before: agentVerified.after,
      after: { status: 'verified', verdict: ownerVerdict('refuted'), confidence: null, next_check_at: null },
    });
    const t = setup(storedCall({ status: 'verified', verdict: ownerVerdict('refuted') }), history([agentVerified, resolved]), {
      'POST /api/calls/c-1/undo': () => {
        t.state.call = verified;
        t.state.history = history([agentVerified, resolved, change({ id: 'h-3', action: 'undone', undoes: 'h-2', after: agentVerified.after })]);
        return { status: 200, body: t.state.call };
      },
    });
    const undo = await screen.findByRole('button', { name: 'Undo' });
    expect(undo).toHaveAccessibleDescription("Undo the latest change: You overrode the agent's verdict: Refuted");
    await t.user.click(undo);
    expect(await screen.findByText("Undone: You overrode the agent's verdict: Refuted.")).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Verdict' })).toHaveTextContent('Verdict: Confirmed with 90% confidence');
    await waitFor(() =>
      expect(within(screen.getByRole('region', { name: 'History' })).getAllByRole('listitem').at(-1)).toHaveTextContent(
        "You undid “You overrode the agent's verdict: Refuted”",
      ),
    );
    // The agent's verdict can still be undone; once that is undone too, the button goes.
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveAccessibleDescription(/The agent verified it/);
  });

  it('no undo button when every change is undone', async () => {
    setup(storedCall(), history([agentVerified, change({ id: 'h-2', action: 'undone', undoes: 'h-1' })]));
    await screen.findByRole('region', { name: 'History' });
    expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
  });
});

describe('CallView: my confidence and checks', () => {
  it('adds, changes and clears my confidence (PATCH)', async () => {
    const t = setup(storedCall(), history(), {
      'PATCH /api/calls/c-1': (body) => {
        t.state.call = storedCall({ confidence: (body as { confidence: number | null }).confidence });
        return { status: 200, body: t.state.call };
      },
    });
    const group = await screen.findByRole('group', { name: 'My confidence' });
    expect(group).toHaveTextContent('Not given');
    await t.user.click(within(group).getByRole('button', { name: 'Add my confidence' }));
    fireEvent.change(screen.getByLabelText('New confidence'), { target: { value: '70' } });
    expect(screen.getByLabelText('New confidence')).toHaveAttribute('aria-valuetext', '70%');
    await t.user.click(screen.getByRole('button', { name: 'Save confidence' }));
    expect(await screen.findByText('Your confidence is now 70%.')).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'My confidence' })).toHaveTextContent('70%');

    await t.user.click(screen.getByRole('button', { name: 'Change my confidence' }));
    expect(screen.getByLabelText('New confidence')).toHaveValue('70');
    await t.user.click(screen.getByRole('button', { name: 'Clear it' }));
    expect(await screen.findByText('Your confidence is cleared.')).toBeInTheDocument();
    expect(t.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([{ confidence: 0.7 }, { confidence: null }]);
    expect(t.onChanged).toHaveBeenCalledTimes(2);
  });

  it('asks the agent to check now, and shows when it will', async () => {
    const t = setup(storedCall(), history(), {
      'POST /api/calls/c-1/check': () => ({ status: 202, body: history([], '2026-11-21T15:30:00+00:00') }),
    });
    expect(await screen.findByText(/The agent has no check planned/)).toBeInTheDocument();
    await t.user.click(screen.getByRole('button', { name: 'Ask the agent to check now' }));
    expect(await screen.findByText(/Asked the agent to check it now/)).toBeInTheDocument();
    expect(screen.getByText(/The agent checks it next/)).toHaveTextContent(/21 Nov 2026, 15:30|Nov 21, 2026, 3:30 PM/);
  });

  it('a human-verifiable call: only you can judge it, no check button', async () => {
    setup(storedCall({ verifiable_category: 'human_verifiable_only' }));
    expect(await screen.findByText(/Only you can judge this call/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Ask the agent to check now' })).not.toBeInTheDocument();
  });

  it('shows a verdict that arrives for this call while it is open', async () => {
    const t = setup(storedCall());
    await screen.findByText('Status: Pending');
    t.view.rerender(
      <CallView
        callsApi={t.api}
        verification={new VerificationApi(t.api.http)}
        id="c-1"
        timeZone="UTC"
        update={{ call: verified, seq: 1 }}
      />,
    );
    expect(await screen.findByText('Status: Verified')).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Verdict' })).toHaveTextContent('Verdict: Confirmed');
  });
});

describe('CallView: keyboard focus', () => {
  it('moves focus to the slider when opening the confidence editor, and back to its button after saving', async () => {
    const t = setup(storedCall({ confidence: 0.4 }), history(), {
      'PATCH /api/calls/c-1': (body) => {
        t.state.call = storedCall({ confidence: (body as { confidence: number }).confidence });
        return { status: 200, body: t.state.call };
      },
    });
    await t.user.click(await screen.findByRole('button', { name: 'Change my confidence' }));
    expect(screen.getByLabelText('New confidence')).toHaveFocus();
    expect(screen.getByLabelText('New confidence')).toHaveValue('40');
    fireEvent.change(screen.getByLabelText('New confidence'), { target: { value: '45' } });
    await t.user.tab();
    expect(screen.getByRole('button', { name: 'Save confidence' })).toHaveFocus();
    await t.user.keyboard('{Enter}');
    expect(await screen.findByText('Your confidence is now 45%.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Change my confidence' })).toHaveFocus();
  });

  it('when the last Undo goes away, focus stays in the section (its heading)', async () => {
    const resolved = change({
      id: 'h-1',
      action: 'resolved',
      after: { status: 'verified', verdict: ownerVerdict('confirmed'), confidence: null, next_check_at: null },
    });
    const t = setup(storedCall({ status: 'verified', verdict: ownerVerdict('confirmed') }), history([resolved]), {
      'POST /api/calls/c-1/undo': () => {
        t.state.call = storedCall();
        t.state.history = history([resolved, change({ id: 'h-2', action: 'undone', undoes: 'h-1' })]);
        return { status: 200, body: t.state.call };
      },
    });
    await t.user.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Verification' })).toHaveFocus());
  });
});
