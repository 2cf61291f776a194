import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { QuickCapture } from '../../../src/components/QuickCapture';
import { saveDraft } from '../../../src/drafts';
import { checkedCall, completeCall, storedCall, type FakeRoute } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';
import { renderWith, testServices } from '../../fixtures/render';

async function setup(routes: Record<string, FakeRoute> = {}, scope = '') {
  const { services, requests } = testServices(routes);
  await act(async () => {
    const connecting = services.webSocket.connect();
    FakeWebSocket.last.open();
    await connecting;
  });
  const view = renderWith(<QuickCapture timeZone="UTC" scope={scope} />, services);
  const socket = FakeWebSocket.last;
  return {
    view,
    socket,
    requests,
    user: userEvent.setup(),
    prompt: () => screen.getByLabelText('Your prediction'),
    chance: () => screen.getByLabelText('Chance'),
    server: (...events: object[]) =>
      act(() => {
        for (const event of events) socket.receive(event);
      }),
    makecalls: () => socket.actions.filter((a) => a.action === 'makecall'),
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function run(t: Setup, prompt: string, call = completeCall) {
  await t.user.type(t.prompt(), `${prompt}{Enter}`);
  await waitFor(() => expect(t.makecalls().at(-1)?.prompt).toBe(prompt));
  t.server({ type: 'status', status: 'processing' }, { type: 'complete', content: { ...call, raw_prompt: prompt } }, { type: 'status', status: 'complete' });
}

const card = () => screen.getByRole('region', { name: 'Your call' });
const field = (name: string) => within(card()).getByRole('group', { name });

beforeEach(() => FakeWebSocket.reset());

describe('QuickCapture', () => {
  it('one line and the chance, Enter makes the call; fields fill in live, in words; the raw stream is behind a toggle', async () => {
    const t = await setup();
    await t.user.type(t.chance(), '3:1');
    expect(screen.getByText('= 75%')).toBeInTheDocument();
    await t.user.type(t.prompt(), 'The Lakers will win tonight{Enter}');
    await waitFor(() => expect(t.makecalls()).toEqual([{ action: 'makecall', prompt: 'The Lakers will win tonight', timezone: 'Europe/Paris' }]));
    expect(screen.getByRole('button', { name: 'Working…' })).toHaveAttribute('aria-disabled', 'true');
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: '{"prediction_statement": "The Lakers' });
    t.server({ type: 'tool', name: 'current_time', input: {} });
    expect(screen.getByText(/Writing your call… \(the clock\)/)).toBeInTheDocument();
    t.server({ type: 'call', call: { prediction_statement: 'The Lakers win on 21 November.', verifiable_category: 'api_tool_verifiable' } });
    expect(field('Prediction')).toHaveTextContent('The Lakers win on 21 November.');
    expect(field('How it is checked')).toHaveTextContent('Needs outside data');
    expect(field('How it is checked')).not.toHaveTextContent('api_tool_verifiable');
    expect(field('Checks')).toHaveTextContent('waiting…');
    const raw = screen.getByText('Show the raw stream from the agent').closest('details')!;
    expect(raw).not.toHaveAttribute('open');
    expect(within(raw).getByRole('log', { hidden: true })).toHaveTextContent('prediction_statement');

    t.server({ type: 'complete', content: completeCall });
    expect(await screen.findByRole('button', { name: 'Log call at 75%' })).toBeInTheDocument();
    expect(screen.getByText('Your call is ready: check it, then log it.')).toBeInTheDocument();
  });

  it('arrow keys step the chance; a chance that is not one blocks the call and says what to type', async () => {
    const t = await setup();
    t.chance().focus();
    await t.user.keyboard('{ArrowUp}');
    expect(t.chance()).toHaveValue('50%');
    await t.user.keyboard('{ArrowUp}{ArrowUp}');
    expect(t.chance()).toHaveValue('60%');
    await t.user.keyboard('{ArrowDown}');
    expect(t.chance()).toHaveValue('55%');
    await t.user.clear(t.chance());
    await t.user.type(t.chance(), 'likely');
    expect(t.chance()).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText(/Write a chance between 0 and 100%/)).toBeInTheDocument();
    await t.user.type(t.prompt(), 'It rains{Enter}');
    expect(t.makecalls()).toEqual([]);
    expect(t.chance()).toHaveFocus();
  });

  it('logs with the chance, then is ready for the next call (form and draft cleared)', async () => {
    const t = await setup({ 'POST /api/calls': (body) => ({ status: 201, body: storedCall({ id: 'new-1', ...(body as object) }) }) });
    await t.user.type(t.chance(), '70');
    await run(t, 'The Lakers will win tonight');
    await t.user.click(await screen.findByRole('button', { name: 'Log call at 70%' }));
    const logged = await screen.findByText('Logged.');
    expect(within(logged.closest('p')!).getByRole('link', { name: 'View it' })).toHaveAttribute('href', '#/calls/new-1');
    const body = t.requests.find((r) => r.method === 'POST')!.body as Record<string, unknown>;
    expect(body.confidence).toBe(0.7);
    expect(body.raw_prompt).toBe('The Lakers will win tonight');
    expect(t.prompt()).toHaveValue('');
    expect(t.chance()).toHaveValue('');
    expect(t.prompt()).toHaveFocus();
    expect(screen.queryByRole('region', { name: 'Your call' })).not.toBeInTheDocument();
    expect(window.localStorage.getItem('calledit.draft')).toBeNull();
  });

  it('says so when no chance is given: the call would not count in the Brier score', async () => {
    const t = await setup();
    await run(t, 'It will rain');
    expect(await screen.findByRole('button', { name: 'Log call' })).toBeInTheDocument();
    expect(screen.getByText(/will not count in your Brier score/)).toBeInTheDocument();
  });

  it('a new prompt clears the old result, so the wrong call cannot be logged', async () => {
    const t = await setup();
    await run(t, 'The Lakers will win tonight');
    await screen.findByRole('button', { name: /Log call/ });
    await t.user.type(t.prompt(), '!');
    expect(screen.queryByRole('button', { name: /Log call/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Your call' })).not.toBeInTheDocument();
  });

  it('the words, the chance and an unlogged call survive a reload (per user)', async () => {
    const first = await setup({}, 'u-1');
    await first.user.type(first.chance(), '40%');
    await run(first, 'Bitcoin above 100k on 1 Dec', checkedCall);
    await screen.findByRole('button', { name: 'Log call at 40%' });
    first.view.unmount();

    await setup({}, 'u-1');
    expect(screen.getByLabelText('Your prediction')).toHaveValue('Bitcoin above 100k on 1 Dec');
    expect(screen.getByLabelText('Chance')).toHaveValue('40%');
    expect(screen.getByText('Your unlogged call from last time is back.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Log call at 40%' })).toBeInTheDocument();
  });

  it('another user on the same browser sees none of it', async () => {
    saveDraft({ prompt: 'Secret', chance: '10%', result: null }, 'u-1');
    await setup({}, 'u-2');
    expect(screen.getByLabelText('Your prediction')).toHaveValue('');
  });

  it("edits the call before logging: statement, date, and the check's condition", async () => {
    const t = await setup({ 'POST /api/calls': (body) => ({ status: 201, body: storedCall({ id: 'n', ...(body as object) }) }) });
    await run(t, 'Bitcoin above 100k on 1 Dec', checkedCall);
    await t.user.click(await screen.findByRole('button', { name: 'Edit before logging' }));
    const form = screen.getByRole('form', { name: 'Edit the call' });
    await t.user.clear(within(form).getByLabelText('Prediction'));
    await t.user.type(within(form).getByLabelText('Prediction'), 'Bitcoin closes below $90,000 on 1 December 2026.');
    await t.user.selectOptions(within(form).getByLabelText('Condition'), 'below');
    await t.user.clear(within(form).getByLabelText(/^Value/));
    await t.user.type(within(form).getByLabelText(/^Value/), '90000');
    await t.user.click(within(form).getByRole('button', { name: 'Use these changes' }));
    expect(field('Prediction')).toHaveTextContent('below $90,000');
    expect(field('What counts')).toHaveTextContent('on Tue 1 Dec 2026 below 90,000 USD');
    await t.user.click(screen.getByRole('button', { name: 'Log call' }));
    await screen.findByText('Logged.');
    const body = t.requests.find((r) => r.method === 'POST')!.body as typeof checkedCall;
    expect(body.prediction_statement).toBe('Bitcoin closes below $90,000 on 1 December 2026.');
    expect(body.check).toMatchObject({ comparator: '<', threshold: 90000 });
    expect(body.verification_method.criteria[0]).toMatch(/< 90,000 USD$/);
  });

  it('Cancel closes the editor and changes nothing (with the raw stream on screen too)', async () => {
    const t = await setup();
    await t.user.type(t.prompt(), 'Bitcoin above 100k on 1 Dec{Enter}');
    await waitFor(() => expect(t.makecalls()).toHaveLength(1));
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: '{"prediction_statement": "B' }, { type: 'complete', content: checkedCall });
    await t.user.click(await screen.findByRole('button', { name: 'Edit before logging' }));
    const form = screen.getByRole('form', { name: 'Edit the call' });
    await t.user.type(within(form).getByLabelText('Prediction'), ' changed');
    await t.user.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form', { name: 'Edit the call' })).not.toBeInTheDocument();
    expect(field('Prediction')).toHaveTextContent('Bitcoin closes above $100,000 on 1 December 2026.');
    expect(field('Prediction')).not.toHaveTextContent('changed');
  });

  it('a paste over the limit is refused, not cut', async () => {
    const t = await setup();
    await t.user.click(t.prompt());
    await t.user.paste('x'.repeat(2500));
    expect(t.prompt()).toHaveValue('x'.repeat(2500));
    expect(screen.getByText(/longer than 2000 characters/)).toBeInTheDocument();
    await t.user.keyboard('{Enter}');
    expect(t.makecalls()).toEqual([]);
  });

  it('a model error says what to do next; Escape cancels a run', async () => {
    const t = await setup();
    await t.user.type(t.prompt(), 'FAILME{Enter}');
    await waitFor(() => expect(t.makecalls()).toHaveLength(1));
    t.server({ type: 'status', status: 'processing' }, { type: 'error', code: 'model_error', message: 'Scripted failure.' });
    expect(await screen.findByRole('alert')).toHaveTextContent('The model could not finish this call. Try again, or say it another way.');
    await t.user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(t.makecalls()).toHaveLength(2));
    t.server({ type: 'status', status: 'processing' });
    t.prompt().focus();
    await t.user.keyboard('{Escape}');
    expect(screen.getByText('Stopped. Change your prediction or make the call again.')).toBeInTheDocument();
    expect(t.socket.actions.at(-1)).toEqual({ action: 'cancel' });
  });

  it('first visit: examples and what happens next; an example fills the form; "Got it" is remembered', async () => {
    const t = await setup();
    const welcome = screen.getByRole('region', { name: 'New here? Here is how it works' });
    expect(within(welcome).getAllByRole('listitem').length).toBeGreaterThanOrEqual(4);
    await t.user.click(within(welcome).getByRole('button', { name: /I will finish 12 books/ }));
    expect(t.prompt()).toHaveValue('I will finish 12 books by the end of June');
    expect(t.chance()).toHaveValue('3:1');
    await t.user.click(within(welcome).getByRole('button', { name: 'Got it' }));
    expect(screen.queryByRole('region', { name: 'New here? Here is how it works' })).not.toBeInTheDocument();
    expect(window.localStorage.getItem('calledit.welcomed')).toBe('1');
  });
});
