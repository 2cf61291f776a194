import type { APIRequestContext } from '@playwright/test';
import type { CallContent, StoredCall } from '../../src/types/protocol';
import type { TrackRecord } from '../../src/types/verification';
import { expect, makePrediction, test, uniquePrompt } from './fixtures';

async function stats(request: APIRequestContext): Promise<TrackRecord> {
  return (await (await request.get('/api/stats')).json()) as TrackRecord;
}

test('resolve a call by hand with a confidence, see the track record move, and undo', async ({ page, request, shot }) => {
  const before = await stats(request);
  await page.goto('/');
  await makePrediction(page, uniquePrompt('it will snow in Paris tomorrow'));
  await expect(page.getByRole('button', { name: 'Log Call' })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Log Call' }).click();
  await page.getByRole('link', { name: 'View it in My Calls' }).click();
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeFocused();
  const id = decodeURIComponent(page.url().split('#/calls/')[1]!);

  // My own confidence, set after logging.
  await page.getByRole('button', { name: 'Add my confidence' }).click();
  await page.getByLabel('New confidence').fill('80');
  await page.getByRole('button', { name: 'Save confidence' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your confidence is now 80%.' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'My confidence' })).toContainText('80%');

  // Resolve it by hand, with a note.
  await expect(page.getByRole('heading', { name: 'Resolve it yourself' })).toBeVisible();
  await page.getByLabel('Note (optional)').fill('It snowed all afternoon.');
  await page.getByRole('button', { name: 'Mark confirmed' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Marked confirmed' })).toBeVisible();
  const verdict = page.getByRole('group', { name: 'Verdict' });
  await expect(verdict).toContainText('Verdict: Confirmed');
  await expect(verdict).toContainText('by you');
  await expect(verdict).toContainText('It snowed all afternoon.');
  await expect(page.getByText('Status: Verified')).toBeVisible();
  const history = page.getByRole('region', { name: 'History' }).getByRole('listitem');
  await expect(history).toHaveText([/You set your confidence: none → 80%/, /You resolved it: Confirmed/]);
  await expect(page.getByRole('heading', { name: 'Change your resolution' })).toBeVisible();
  await shot('call-resolved');

  // The track record counts it: one more called, one more scored, and a point in the 80–90% bin.
  const after = await stats(request);
  expect(after.called_it).toBe(before.called_it + 1);
  expect(after.scored).toBe(before.scored + 1);
  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).click();
  await expect(page.getByRole('heading', { name: 'Track record' })).toBeFocused();
  await expect(page.locator('.tally-item').filter({ hasText: 'Called it' })).toContainText(String(after.called_it));
  await expect(page.getByRole('region', { name: 'Brier score' })).toContainText(after.brier!.toFixed(3));
  const bin = after.calibration[8]!;
  await expect(page.getByRole('row', { name: /^80–90%/ })).toContainText(`${bin.count}`);
  await expect(page.getByRole('img', { name: /Calibration chart/ })).toBeVisible();
  await expect(page.locator('.calibration-chart .point')).toHaveCount(after.calibration.filter((b) => b.count > 0).length);
  await shot('track-record');

  // Undo the resolution: the call is pending again and the track record is back where it was.
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveAccessibleDescription(/You resolved it: Confirmed/);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Undone: You resolved it: Confirmed.' })).toBeVisible();
  await expect(page.getByText('Status: Pending')).toBeVisible();
  await expect(page.getByRole('group', { name: 'Verdict' })).toHaveCount(0);
  await expect(history.last()).toHaveText(/You undid “You resolved it: Confirmed”/);
  expect((await stats(request)).called_it).toBe(before.called_it);
  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).click();
  await expect(page.locator('.tally-item').filter({ hasText: 'Called it' })).toContainText(String(before.called_it));

  await request.delete(`/api/calls/${id}`);
});

test("My Calls updates without a reload when the agent's verdict arrives, and again when another tab overrides it", async ({
  page,
  request,
  shot,
}) => {
  // A call the agent settles exactly (arithmetic), due tomorrow: it waits until someone asks for a check.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  // Random factors keep it unique (the arithmetic check wants the bare claim, no tag after it).
  const a = 100 + Math.floor(Math.random() * 900);
  const b = 10 + Math.floor(Math.random() * 90);
  const statement = `${a} * ${b} is ${a * b}.`;
  const content: CallContent = {
    raw_prompt: statement,
    prediction_statement: statement,
    verification_date: tomorrow,
    date_reasoning: 'Set by the test.',
    timezone: 'Europe/Paris',
    verification_mode: 'at_date',
    recurring_interval: null,
    verifiable_category: 'strands_tool_verifiable',
    category_reasoning: 'A calculation settles it.',
    verifiability_score: 0.95,
    verification_method: { source: ['arithmetic'], criteria: ['12 * 12 equals 144'], steps: ['Multiply'] },
    initial_status: 'pending',
    model: 'scripted (test double)',
  };
  const created = await request.post('/api/calls', { data: content });
  expect(created.status()).toBe(201);
  const call = (await created.json()) as StoredCall;

  await page.goto('/#/calls');
  const card = page.getByRole('article').filter({ hasText: statement });
  await expect(card).toContainText('Status: Pending');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  // Another client asks the agent to check it; the scheduler does, and the verdict comes over the WebSocket.
  expect((await request.post(`/api/calls/${call.id}/check`)).status()).toBe(202);
  await expect(card).toContainText('Verdict: Confirmed', { timeout: 20_000 });
  await expect(card).toContainText('Status: Verified');
  await expect(card).toContainText('Updated just now');
  await expect(page.getByRole('status').filter({ hasText: 'One of your calls was just checked: Confirmed.' })).toBeVisible();
  await shot('my-calls-live-verdict');

  // "Another tab" overrides the agent: this one follows.
  await request.post(`/api/calls/${call.id}/resolve`, { data: { resolution: 'refuted', note: 'Checked by hand.' } });
  await expect(card).toContainText('Verdict: Refuted');
  await expect(page.getByRole('status').filter({ hasText: 'One of your calls was just checked: Refuted.' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

  // The call's page shows the agent's evidence in the history and the override.
  await card.getByRole('link').click();
  await expect(page.getByRole('group', { name: 'Verdict' })).toContainText('Checked by hand.');
  const history = page.getByRole('region', { name: 'History' }).getByRole('listitem');
  await expect(history).toHaveText([/The agent verified it: Confirmed \(\d+% sure\)/, /You overrode the agent's verdict: Refuted/]);
  await request.delete(`/api/calls/${call.id}`);
});
