import type { StoredCall } from '../../src/types/protocol';
import { expect, field, makePrediction, test, uniquePrompt } from './fixtures';

test.describe('making a call', () => {
  test('streams the call live, logs it, finds it after a reload, and deletes it', async ({ page, request, shot }) => {
    const prompt = uniquePrompt('the Lakers will win tonight');
    const sent: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))));

    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('CalledIt: Prediction Verification Platform');
    await expect(page.getByRole('heading', { name: 'Make a Prediction' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');

    await makePrediction(page, prompt, 'Control+Enter');

    // Streamed text is on screen while the run is still going: read both in one go, in the page.
    const midStream = await page.waitForFunction(() => {
      const log = document.querySelector('[role="log"]');
      const text = log?.textContent ?? '';
      if (text.length < 20) return null;
      const buttons = [...document.querySelectorAll('button')].map((b) => b.textContent ?? '');
      return { text, processing: buttons.includes('Processing...'), logCall: buttons.includes('Log Call') };
    });
    const snapshot = (await midStream.jsonValue())!;
    expect(snapshot.processing).toBe(true);
    expect(snapshot.logCall).toBe(false);
    await expect(page.getByRole('heading', { name: 'Processing your prediction...' })).toBeVisible();
    await shot('streaming');

    // Fields fill in progressively, before the run completes.
    const early = await page.waitForFunction(() => {
      const details = document.querySelector('.prediction-result .statement');
      if (!details?.textContent) return null;
      const buttons = [...document.querySelectorAll('button')].map((b) => b.textContent ?? '');
      return { statement: details.textContent, processing: buttons.includes('Processing...') };
    });
    const earlySnapshot = (await early.jsonValue())!;
    expect(earlySnapshot.processing).toBe(true);

    // The finished call.
    const logCall = page.getByRole('button', { name: 'Log Call' });
    await expect(logCall).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Make Prediction' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Your call is ready' })).toBeVisible();
    await expect(field(page, 'Prediction')).toContainText(prompt.slice(1));
    await expect(field(page, 'Verification date')).toContainText(/CES?T|GMT\+[12]/); // shown in Paris time
    await expect(field(page, 'Mode')).toContainText('Checked on the date');
    await expect(field(page, 'Category')).toContainText('Needs outside data');
    await expect(field(page, 'Verifiability')).toContainText('70%');
    await expect(field(page, 'Sources').getByRole('listitem')).toHaveCount(1);
    await expect(field(page, 'Criteria').getByRole('listitem')).toHaveCount(1);
    await expect(field(page, 'Steps').getByRole('listitem')).toHaveCount(2);

    // The raw stream is tucked away, and still there.
    const rawStream = page.getByRole('log', { name: 'Live output from the agent' });
    await expect(rawStream).toBeHidden();
    await page.getByText('Raw stream from the agent').click();
    await expect(rawStream).toContainText('prediction_statement');

    const makecall = sent.map((frame) => JSON.parse(frame) as Record<string, unknown>).find((f) => f.action === 'makecall');
    expect(makecall).toEqual({ action: 'makecall', prompt, timezone: 'Europe/Paris' });

    // Log it with my own confidence.
    await page.getByLabel('Add how likely I think it is').check();
    await page.getByLabel('My confidence').fill('80');
    await logCall.click();
    await expect(page.getByRole('status').filter({ hasText: 'Call logged.' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Logged' })).toBeDisabled();
    await shot('logged');

    const page1 = (await (await request.get('/api/calls?limit=20')).json()) as { items: StoredCall[] };
    const stored = page1.items.find((call) => call.raw_prompt === prompt);
    expect(stored).toBeDefined();
    expect(stored!.confidence).toBeCloseTo(0.8);
    expect(stored!.timezone).toBe('Europe/Paris');
    expect(stored!.model).toMatch(/^scripted/);

    // After a reload, it is in My Calls.
    await page.reload();
    await page.getByRole('link', { name: 'My Calls' }).click();
    await expect(page.getByRole('heading', { name: 'My Calls' })).toBeFocused();
    const entry = page.getByRole('article').filter({ hasText: prompt.slice(1) });
    await expect(entry).toBeVisible();
    await expect(entry).toContainText('Status: Pending');
    await expect(entry).toContainText('My confidence: 80%');
    await shot('my-calls');

    await entry.getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`#/calls/${stored!.id}$`));
    await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();
    await expect(page.getByRole('group', { name: 'Your words' })).toContainText(prompt);
    await expect(page.getByRole('group', { name: 'My confidence' })).toContainText('80%');
    await shot('call-detail');

    // Delete it.
    await page.getByRole('button', { name: 'Delete call' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Call deleted.' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'My Calls' })).toBeVisible();
    await expect(page.getByRole('article').filter({ hasText: prompt.slice(1) })).toHaveCount(0);
    expect((await request.get(`/api/calls/${stored!.id}`)).status()).toBe(404);
  });

  test('shows a model failure clearly and retries', async ({ page, shot }) => {
    const prompts: unknown[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', (frame) => {
        const action = JSON.parse(String(frame.payload)) as { action: string; prompt?: string };
        if (action.action === 'makecall') prompts.push(action.prompt);
      }),
    );
    await page.goto('/');
    const prompt = uniquePrompt('FAILME: the sun will rise tomorrow');
    await makePrediction(page, prompt);

    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Error:');
    await expect(alert).toContainText('Scripted failure');
    await expect(alert).toContainText('The model could not finish this prediction');
    await expect(page.getByRole('button', { name: 'Make Prediction' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Log Call' })).toHaveCount(0);
    await shot('model-error');

    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => prompts).toEqual([prompt, prompt]); // the same prompt, sent again
    await expect(page.getByRole('alert')).toContainText('Scripted failure');
  });

  test('cancels mid-stream, and the next prediction gets nothing of the cancelled one', async ({ page, shot }) => {
    const frames: { direction: 'sent' | 'received'; data: Record<string, unknown> }[] = [];
    page.on('websocket', (socket) => {
      socket.on('framesent', (f) => frames.push({ direction: 'sent', data: JSON.parse(String(f.payload)) }));
      socket.on('framereceived', (f) => frames.push({ direction: 'received', data: JSON.parse(String(f.payload)) }));
    });
    await page.goto('/');
    const first = uniquePrompt('it will snow in Paris before the end of the year');
    await makePrediction(page, first);
    const log = page.getByRole('log', { name: 'Live output from the agent' });
    await expect(log).toContainText('prediction_statement');

    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Prediction cancelled.' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Make Prediction' })).toBeVisible();
    await expect(page.getByLabel('Your Prediction:')).toBeFocused();
    const frozen = await log.textContent();
    await expect.poll(() => frames.some((f) => f.data.type === 'error' && f.data.code === 'cancelled')).toBe(true);
    expect(frames.some((f) => f.direction === 'sent' && f.data.action === 'cancel')).toBe(true);
    await page.waitForTimeout(500);
    expect(await log.textContent()).toBe(frozen); // nothing more arrives for the cancelled run
    await expect(page.getByRole('button', { name: 'Log Call' })).toHaveCount(0);
    await shot('cancelled');

    // Enter submits; Shift+Enter is a new line.
    const second = uniquePrompt('the Eiffel Tower is taller than 300 metres');
    const input = page.getByLabel('Your Prediction:');
    await input.fill('');
    await input.pressSequentially('first line');
    await input.press('Shift+Enter');
    await expect(input).toHaveValue('first line\n');
    await expect(page.getByRole('button', { name: 'Make Prediction' })).toBeVisible();
    await makePrediction(page, second, 'Enter');
    await expect(page.getByRole('button', { name: 'Log Call' })).toBeVisible({ timeout: 20_000 });
    await expect(field(page, 'Prediction')).toContainText(second.slice(1));
    await expect(field(page, 'Prediction')).not.toContainText('snow');
    await expect(field(page, 'Mode')).toContainText('Checkable now'); // "is ..." → immediate, not the first's deadline
  });
});
