import type { StoredCall } from '../../src/api/types';
import { expect, field, logButton, logIt, makePrediction, returning, test, uniquePrompt } from './fixtures';

test.describe('quick capture', () => {
  test('first visit: the welcome explains what happens next, and an example fills the form', async ({ page, shot }) => {
    await page.goto('/');
    const welcome = page.getByRole('region', { name: 'New here? Here is how it works' });
    await expect(welcome).toBeVisible();
    await expect(welcome.getByRole('listitem').first()).toContainText('Type a prediction');
    await shot('welcome');
    await welcome.getByRole('button', { name: /It will rain in London tomorrow/ }).click();
    await expect(page.getByLabel('Your prediction', { exact: true })).toHaveValue('It will rain in London tomorrow');
    await expect(page.getByLabel('Chance', { exact: true })).toHaveValue('60%');
    await welcome.getByRole('button', { name: 'Got it' }).click();
    await expect(welcome).toBeHidden();
    await page.reload();
    await expect(page.getByRole('region', { name: 'New here? Here is how it works' })).toHaveCount(0);
  });

  test('chance as people write it, the call in words live, edit, a draft that survives a reload, log, next', async ({ page, request, shot }) => {
    await returning(page);
    const prompt = uniquePrompt('the Lakers will win tonight');
    const sent: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))));
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('CalledIt');
    await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');

    // The chance: odds, "1 in 4", a fraction; the arrow keys step it.
    const chance = page.getByLabel('Chance', { exact: true });
    await chance.fill('3:1');
    await expect(page.getByText('= 75%')).toBeVisible();
    await chance.fill('1 in 4');
    await expect(page.getByText('= 25%')).toBeVisible();
    await chance.fill('0.7');
    await expect(page.getByText('= 70%')).toBeVisible();
    await chance.press('ArrowUp');
    await expect(chance).toHaveValue('75%');
    await chance.press('ArrowUp');
    await expect(chance).toHaveValue('80%');
    await chance.fill('150%');
    await expect(page.getByText('Write a chance between 0 and 100%')).toBeVisible();
    await chance.fill('80%');

    await makePrediction(page, prompt);
    // Fields fill in, in words, while it still runs; the raw stream is tucked away.
    const early = await page.waitForFunction(() => {
      const statement = document.querySelector('.prediction-result .statement');
      if (!statement?.textContent) return null;
      const buttons = [...document.querySelectorAll('button')].map((b) => b.textContent ?? '');
      return { statement: statement.textContent, working: buttons.includes('Working…') };
    });
    expect((await early.jsonValue())!.working).toBe(true);
    await shot('streaming');
    await expect(page.getByRole('log', { name: 'Live output from the agent' })).toBeHidden();

    await expect(logButton(page)).toHaveText('Log call at 80%', { timeout: 20_000 });
    await expect(page.getByRole('status').filter({ hasText: 'Your call is ready' })).toBeVisible();
    await expect(field(page, 'Prediction')).toContainText(prompt.slice(1));
    await expect(field(page, 'Checks')).toContainText(/CES?T|GMT\+[12]/); // in Paris time
    await expect(field(page, 'Kind')).toContainText('Checked on the date');
    await expect(field(page, 'How it is checked')).toContainText('Needs outside data');
    await expect(field(page, 'How it is checked')).not.toContainText('api_tool_verifiable');
    await expect(field(page, 'Verifiability')).toContainText('%');
    await page.getByText('Show the raw stream from the agent').click();
    await expect(page.getByRole('log', { name: 'Live output from the agent' })).toContainText('prediction_statement');
    const makecall = sent.map((frame) => JSON.parse(frame) as Record<string, unknown>).find((f) => f.action === 'makecall');
    expect(makecall).toEqual({ action: 'makecall', prompt, timezone: 'Europe/Paris' });
    await shot('complete');

    // Edit the statement before logging.
    await page.getByRole('button', { name: 'Edit before logging' }).click();
    const editor = page.getByRole('form', { name: 'Edit the call' });
    const statement = `${prompt} (edited)`;
    await editor.getByLabel('Prediction').fill(statement);
    await editor.getByLabel('Check on').fill('2031-05-04T18:30');
    await shot('editing');
    await editor.getByRole('button', { name: 'Use these changes' }).click();
    await expect(field(page, 'Prediction')).toContainText('(edited)');
    await expect(field(page, 'Checks')).toContainText('2031');

    // A reload keeps the unlogged call, edits and chance included.
    await page.reload();
    await expect(page.getByRole('status').filter({ hasText: 'Your unlogged call from last time is back.' })).toBeVisible();
    await expect(field(page, 'Prediction')).toContainText('(edited)');
    await expect(page.getByLabel('Chance', { exact: true })).toHaveValue('80%');

    const id = await logIt(page);
    await expect(page.getByLabel('Your prediction', { exact: true })).toHaveValue('');
    await expect(page.getByLabel('Your prediction', { exact: true })).toBeFocused();
    await expect(page.getByLabel('Chance', { exact: true })).toHaveValue('');
    await expect(logButton(page)).toHaveCount(0);
    await shot('logged');

    const stored = (await (await request.get(`/api/calls/${id}`)).json()) as StoredCall;
    expect(stored.prediction_statement).toBe(statement);
    expect(stored.raw_prompt).toBe(prompt);
    expect(stored.confidence).toBeCloseTo(0.8);
    expect(new Date(stored.verification_date).toISOString()).toBe('2031-05-04T16:30:00.000Z'); // 18:30 in Paris
    // Logged: the draft is gone too.
    await page.reload();
    await expect(page.getByLabel('Your prediction', { exact: true })).toHaveValue('');
    await request.delete(`/api/calls/${id}`);
  });

  test('a new prompt clears the old result, so the wrong call cannot be logged', async ({ page }) => {
    await returning(page);
    await page.goto('/');
    await makePrediction(page, uniquePrompt('the Eiffel Tower is taller than 300 metres'));
    await expect(logButton(page)).toBeVisible({ timeout: 20_000 });
    await page.getByLabel('Your prediction', { exact: true }).fill('something else entirely');
    await expect(logButton(page)).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Your call' })).toHaveCount(0);
  });

  test('a model failure is clear and can be retried; a long paste is refused, not cut', async ({ page, shot }) => {
    await returning(page);
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
    await expect(alert).toContainText('The call could not be made');
    await expect(alert).toContainText('Scripted failure');
    await expect(alert).toContainText('The model could not finish this call');
    await expect(logButton(page)).toHaveCount(0);
    await shot('model-error');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => prompts).toEqual([prompt, prompt]);

    const input = page.getByLabel('Your prediction', { exact: true });
    await input.fill('x'.repeat(2500));
    await expect(input).toHaveValue('x'.repeat(2500)); // nothing cut silently
    await expect(page.getByText('longer than 2000 characters')).toBeVisible();
    await input.press('Enter');
    await expect.poll(() => prompts.length).toBe(2); // not sent
  });

  test('cancels mid-stream, and the next call gets nothing of the cancelled one', async ({ page, shot }) => {
    await returning(page);
    const frames: { direction: 'sent' | 'received'; data: Record<string, unknown> }[] = [];
    page.on('websocket', (socket) => {
      socket.on('framesent', (f) => frames.push({ direction: 'sent', data: JSON.parse(String(f.payload)) }));
      socket.on('framereceived', (f) => frames.push({ direction: 'received', data: JSON.parse(String(f.payload)) }));
    });
    await page.goto('/');
    await makePrediction(page, uniquePrompt('it will snow in Paris before the end of the year'));
    await page.getByText('Show the raw stream from the agent').click();
    const log = page.getByRole('log', { name: 'Live output from the agent' });
    await expect(log).toContainText('prediction_statement');
    await page.getByLabel('Your prediction', { exact: true }).press('Escape');
    await expect(page.getByRole('status').filter({ hasText: 'Stopped.' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Make the call' })).toBeVisible();
    await expect.poll(() => frames.some((f) => f.data.type === 'error' && f.data.code === 'cancelled')).toBe(true);
    expect(frames.some((f) => f.direction === 'sent' && f.data.action === 'cancel')).toBe(true);
    await expect(logButton(page)).toHaveCount(0);
    await shot('cancelled');

    const second = uniquePrompt('the Eiffel Tower is taller than 300 metres');
    await makePrediction(page, second);
    await expect(logButton(page)).toBeVisible({ timeout: 20_000 });
    await expect(field(page, 'Prediction')).toContainText(second.slice(1));
    await expect(field(page, 'Prediction')).not.toContainText('snow');
    await expect(field(page, 'Kind')).toContainText('Checkable now');
  });
});
