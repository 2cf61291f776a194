import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import StreamingPrediction from '../../../src/components/StreamingPrediction';
import { CallsApi } from '../../../src/services/calls';
import { PredictionService } from '../../../src/services/prediction';
import { WebSocketService } from '../../../src/services/websocket';
import { completeCall, fakeFetch, storedCall } from '../../fixtures/calls';
import { FakeWebSocket } from '../../fixtures/fakeWebSocket';

type Routes = Parameters<typeof fakeFetch>[0];

async function setup(routes: Routes = {}) {
  const webSocket = new WebSocketService('ws://test/ws', { WebSocketImpl: FakeWebSocket, reconnect: false });
  await act(async () => {
    const connecting = webSocket.connect();
    FakeWebSocket.last.open();
    await connecting;
  });
  const predictions = new PredictionService(webSocket, { timezone: () => 'Asia/Tokyo' });
  const { fetchImpl, requests } = fakeFetch(routes);
  render(
    <StreamingPrediction predictionService={predictions} callsApi={new CallsApi('', fetchImpl)} timeZone="Asia/Tokyo" />,
  );
  const socket = FakeWebSocket.last;
  return {
    socket,
    requests,
    user: userEvent.setup(),
    input: screen.getByLabelText('Your Prediction:'),
    /** The server sends these events. */
    server: (...events: object[]) =>
      act(() => {
        for (const event of events) socket.receive(event);
      }),
    makecalls: () => socket.actions.filter((a) => a.action === 'makecall'),
  };
}

/** Submit a prediction with Enter and wait until the makecall is on the wire. */
async function submit(t: Awaited<ReturnType<typeof setup>>, prompt: string) {
  await t.user.type(t.input, `${prompt}{Enter}`);
  await waitFor(() => expect(t.makecalls().at(-1)?.prompt).toBe(prompt));
}

const field = (name: string) =>
  within(screen.getByRole('region', { name: 'Prediction Details' })).getByRole('group', { name });

beforeEach(() => FakeWebSocket.reset());

describe('StreamingPrediction', () => {
  it("shows the seeds' form", async () => {
    await setup();
    expect(screen.getByRole('heading', { name: 'Make a Prediction' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Your Prediction:' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Make Prediction' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();
  });

  it('Enter submits; the stream appears live in a log region while it is processing', async () => {
    const t = await setup();
    await submit(t, 'The Lakers will win tonight');
    expect(t.makecalls()).toEqual([{ action: 'makecall', prompt: 'The Lakers will win tonight', timezone: 'Asia/Tokyo' }]);
    expect(screen.getByRole('button', { name: 'Processing...' })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeInTheDocument();

    t.server({ type: 'status', status: 'processing', message: 'Working on your prediction' });
    t.server({ type: 'text', content: '{"prediction_statement": ' }, { type: 'text', content: '"The Lakers' });
    expect(screen.getByRole('heading', { name: 'Processing your prediction...' })).toBeInTheDocument();
    const log = screen.getByRole('log', { name: 'Live output from the agent' });
    expect(log).toHaveTextContent('{"prediction_statement": "The Lakers');
    expect(log).toHaveAttribute('aria-live', 'polite');
    expect(screen.getByRole('status', { name: '' })).toHaveTextContent('Working on your prediction');
  });

  it('Shift+Enter adds a line; Ctrl+Enter submits', async () => {
    const t = await setup();
    await t.user.type(t.input, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(t.input).toHaveValue('line one\nline two');
    expect(t.makecalls()).toHaveLength(0);
    await t.user.type(t.input, '{Control>}{Enter}{/Control}');
    await waitFor(() => expect(t.makecalls()).toHaveLength(1));
    expect(t.makecalls()[0]?.prompt).toBe('line one\nline two');
  });

  it('fills the call in as call events arrive, then offers Log Call when complete', async () => {
    const t = await setup();
    await submit(t, 'The Lakers will win tonight');
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: '{"prediction_statement": "The' });
    t.server({ type: 'call', call: { prediction_statement: completeCall.prediction_statement } });

    expect(field('Prediction')).toHaveTextContent(completeCall.prediction_statement);
    expect(field('Verification date')).toHaveTextContent('waiting…');
    expect(screen.queryByRole('button', { name: 'Log Call' })).not.toBeInTheDocument();

    t.server({
      type: 'call',
      call: {
        prediction_statement: completeCall.prediction_statement,
        verification_date: completeCall.verification_date,
        verification_mode: 'at_date',
        verifiable_category: 'api_tool_verifiable',
        category_reasoning: completeCall.category_reasoning,
        verification_method: { source: ['NBA.com box score'] },
      },
    });
    // 23:59 in Los Angeles is 16:59 the next day in Tokyo, the user's timezone.
    expect(field('Verification date')).toHaveTextContent(/22.*(16:59|4:59\sPM)/);
    expect(field('Mode')).toHaveTextContent('Checked on the date');
    expect(field('Category')).toHaveTextContent('Needs outside data');
    expect(field('Category')).toHaveTextContent(completeCall.category_reasoning);
    expect(within(field('Sources')).getAllByRole('listitem')).toHaveLength(1);
    expect(field('Steps')).toHaveTextContent('waiting…');

    t.server({ type: 'complete', content: completeCall }, { type: 'status', status: 'complete' });
    expect(field('Verifiability')).toHaveTextContent('85%');
    expect(within(field('Sources')).getAllByRole('listitem')).toHaveLength(2);
    const steps = within(field('Steps')).getByRole('list');
    expect(steps.tagName).toBe('OL');
    expect(within(steps).getAllByRole('listitem').map((li) => li.textContent)).toEqual(completeCall.verification_method.steps);
    expect(screen.getByRole('button', { name: 'Log Call' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Make Prediction' })).toBeEnabled();
    expect(screen.getByRole('heading', { name: 'Agent output' })).toBeInTheDocument();
    // The raw stream is still there, collapsed.
    expect(screen.getByText('Raw stream from the agent').closest('details')).not.toHaveAttribute('open');
  });

  it('each call event replaces the last: fields from an abandoned answer do not linger', async () => {
    const t = await setup();
    await submit(t, 'x');
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: '{' });
    t.server({ type: 'call', call: { prediction_statement: 'First guess.', verification_mode: 'immediate' } });
    expect(field('Mode')).toHaveTextContent('Checkable now');
    t.server({ type: 'tool', name: 'resolve_date', input: { expression: 'tonight' } });
    t.server({ type: 'call', call: { prediction_statement: 'Second answer.' } });
    expect(field('Prediction')).toHaveTextContent('Second answer.');
    expect(field('Mode')).toHaveTextContent('waiting…');
    expect(screen.getByRole('log').textContent).toBe('{\n[Using tool: resolve_date]\n');
  });

  it('Log Call saves the call with my confidence and confirms', async () => {
    const t = await setup({
      'POST /api/calls': (body) => ({ status: 201, body: storedCall({ id: 'new-1', confidence: (body as { confidence: number }).confidence }) }),
    });
    await submit(t, 'The Lakers will win tonight');
    t.server({ type: 'status', status: 'processing' }, { type: 'complete', content: completeCall });

    const slider = screen.getByRole('slider', { name: 'My confidence' });
    expect(slider).toBeDisabled();
    await t.user.click(screen.getByRole('checkbox', { name: 'Add how likely I think it is' }));
    fireEvent.change(slider, { target: { value: '70' } });
    expect(slider).toHaveAttribute('aria-valuetext', '70%');
    await t.user.click(screen.getByRole('button', { name: 'Log Call' }));

    expect(await screen.findByText(/Call logged\./)).toBeInTheDocument();
    expect(t.requests).toEqual([{ method: 'POST', url: '/api/calls', body: { ...completeCall, confidence: 0.7 } }]);
    expect(screen.getByRole('link', { name: 'View it in My Calls' })).toHaveAttribute('href', '#/calls/new-1');
    expect(screen.getByRole('button', { name: 'Logged' })).toBeDisabled();
  });

  it('Log Call without confidence sends none; a failed save says why and can be retried', async () => {
    let attempts = 0;
    const t = await setup({
      'POST /api/calls': () =>
        ++attempts === 1
          ? { status: 503, body: { code: 'internal', message: 'Database is locked.' } }
          : { status: 201, body: storedCall() },
    });
    await submit(t, 'x');
    t.server({ type: 'status', status: 'processing' }, { type: 'complete', content: completeCall });
    await t.user.click(screen.getByRole('button', { name: 'Log Call' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not log the call: Database is locked.');
    expect(t.requests[0]?.body).not.toHaveProperty('confidence');
    await t.user.click(screen.getByRole('button', { name: 'Log Call' }));
    expect(await screen.findByText(/Call logged\./)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows an error event with what to do next, and retries the same prompt', async () => {
    const t = await setup();
    await submit(t, 'FAILME tomorrow');
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: '{"pred' });
    t.server({ type: 'error', code: 'model_error', message: 'Scripted failure.' });

    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Error: Scripted failure.');
    expect(alert).toHaveTextContent('The model could not finish this prediction');
    expect(screen.getByRole('button', { name: 'Make Prediction' })).toBeEnabled();
    expect(screen.getByRole('log')).toHaveTextContent('{"pred'); // what came before the failure stays

    await t.user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(t.makecalls()).toHaveLength(2));
    expect(t.makecalls()[1]?.prompt).toBe('FAILME tomorrow');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByRole('log')).toHaveTextContent(''); // a fresh run starts clean
  });

  it('explains rate limits with the wait', async () => {
    const t = await setup();
    await submit(t, 'x');
    t.server({ type: 'error', code: 'rate_limited', message: 'Too many predictions.', retry_after: 4.2 });
    expect(screen.getByRole('alert')).toHaveTextContent('Try again in 5 seconds.');
  });

  it('shows the queue position while waiting for the model', async () => {
    const t = await setup();
    await submit(t, 'x');
    t.server({ type: 'status', status: 'processing' }, { type: 'status', status: 'queued', position: 3 });
    expect(screen.getByText('Waiting for the model: you are number 3 in line.')).toBeInTheDocument();
    t.server({ type: 'status', status: 'queued', position: 1 });
    expect(screen.getByText('Waiting for the model: you are number 1 in line.')).toBeInTheDocument();
    t.server({ type: 'text', content: 'go' });
    expect(screen.queryByText(/in line/)).not.toBeInTheDocument();
  });

  it('Cancel stops the run; nothing of it shows up afterwards, even in the next run', async () => {
    const t = await setup();
    await submit(t, 'first prediction');
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: 'first text' });
    await t.user.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(t.socket.actions.at(-1)).toEqual({ action: 'cancel' });
    expect(screen.getByText('Prediction cancelled.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Make Prediction' })).toBeEnabled();
    expect(t.input).toHaveFocus();

    // The server was still sending the first run when the cancel arrived.
    t.server({ type: 'text', content: ' stale' }, { type: 'complete', content: { ...completeCall, prediction_statement: 'STALE' } });
    expect(screen.getByRole('log')).toHaveTextContent('first text');
    expect(screen.getByRole('log')).not.toHaveTextContent('stale');
    expect(screen.queryByText('STALE')).not.toBeInTheDocument();

    await t.user.clear(t.input);
    await t.user.type(t.input, 'second prediction{Enter}');
    t.server({ type: 'text', content: 'still stale' });
    t.server({ type: 'error', code: 'cancelled', message: 'Cancelled.' });
    await waitFor(() => expect(t.makecalls()).toHaveLength(2));
    t.server({ type: 'status', status: 'processing' }, { type: 'text', content: 'second text' });
    t.server({ type: 'complete', content: { ...completeCall, prediction_statement: 'The second one.' } });
    expect(screen.getByRole('log')).toHaveTextContent(/^second text$/);
    expect(field('Prediction')).toHaveTextContent('The second one.');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('Escape in the prediction box cancels a run', async () => {
    const t = await setup();
    await submit(t, 'x');
    t.server({ type: 'status', status: 'processing' });
    await t.user.type(t.input, '{Escape}');
    expect(t.socket.actions.at(-1)).toEqual({ action: 'cancel' });
    expect(screen.getByText('Prediction cancelled.')).toBeInTheDocument();
  });

  it('reports a lost connection mid-stream', async () => {
    const t = await setup();
    await submit(t, 'x');
    t.server({ type: 'status', status: 'processing' });
    act(() => t.socket.drop());
    expect(screen.getByRole('alert')).toHaveTextContent('Lost the connection');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
