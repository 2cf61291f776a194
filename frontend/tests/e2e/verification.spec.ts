import type { APIRequestContext, Page } from '@playwright/test';
import type { StoredCall, TrackRecord } from '../../src/api/types';
import type { CallContent } from '../../src/types/protocol';
import { expect, logIt, makePrediction, returning, test, uniquePrompt } from './fixtures';

async function stats(request: APIRequestContext): Promise<TrackRecord> {
  return (await (await request.get('/api/stats')).json()) as TrackRecord;
}

/** The call's history, opened. */
async function history(page: Page) {
  const section = page.locator('details.history-section');
  if ((await section.getAttribute('open')) === null) await section.locator('summary').click();
  return section.getByRole('listitem');
}

test.beforeEach(async ({ page }) => returning(page));

test('forecast updates in the history, resolve by hand, the track record moves (both Brier scores, by tag), undo', async ({ page, request, shot }) => {
  const before = await stats(request);
  await page.goto('/');
  await makePrediction(page, uniquePrompt('it will snow in Paris tomorrow'), '60%');
  const id = await logIt(page);
  await page.goto(`/#/calls/${encodeURIComponent(id)}`);
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();

  // A tag, and a forecast update: each is kept.
  await page.getByLabel(/^Add a tag to/).fill('weather');
  await page.getByLabel(/^Add a tag to/).press('Enter');
  await expect(page.getByText('#weather', { exact: true })).toBeVisible();
  const forecast = page.getByRole('region', { name: 'Forecast' });
  await expect(forecast).toContainText('Your chance now: 60%');
  await forecast.getByRole('button', { name: 'Update my chance' }).click();
  await forecast.getByLabel('New chance').fill('4:1');
  await forecast.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your chance is now 80%.' })).toBeVisible();
  await expect(forecast.getByRole('listitem')).toHaveText([/60% → 80%/]);

  // Resolve it by hand, with a note.
  await expect(page.getByRole('heading', { name: 'Resolve it yourself' })).toBeVisible();
  await page.getByLabel('Note (optional)').fill('It snowed all afternoon.');
  await page.getByRole('button', { name: 'Called it', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Marked called it' })).toBeVisible();
  const outcome = page.getByRole('group', { name: 'Outcome' });
  await expect(outcome).toContainText('Called it');
  await expect(outcome).toContainText('by you');
  await expect(outcome).toContainText('It snowed all afternoon.');
  await expect(page.getByRole('button', { name: 'Edit', exact: true })).toHaveCount(0); // settled: its terms are fixed
  await expect(await history(page)).toHaveText([/changed the tags: none → #weather/, /updated the chance: 60% → 80%/, /You resolved it: Called it/]);
  await shot('call-resolved');

  // The track record counts it, with both scores and the tag.
  const after = await stats(request);
  expect(after.called_it).toBe(before.called_it + 1);
  expect(after.scored).toBe(before.scored + 1);
  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).click();
  await expect(page.getByRole('heading', { name: 'Track record' })).toBeFocused();
  await expect(page.locator('.tally-item').filter({ hasText: 'Called it' })).toContainText(String(after.called_it));
  const brier = page.getByRole('region', { name: 'Brier score' });
  await expect(brier).toContainText(after.brier!.toFixed(3));
  await expect(brier).toContainText('Time-weighted');
  await expect(brier).toContainText(after.brier_time_weighted!.toFixed(3));
  await expect(page.getByRole('row', { name: /^80–90%/ })).toContainText(`${after.calibration[8]!.count}`);
  await expect(page.getByRole('region', { name: 'By tag' }).getByRole('row', { name: /#weather/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Over time' }).getByRole('row')).not.toHaveCount(0);
  await expect(page.locator('.calibration-chart .points circle')).toHaveCount(after.calibration.filter((b) => b.count > 0).length);
  await shot('track-record');

  // Undo the resolution.
  await page.goBack();
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveAccessibleDescription(/You resolved it: Called it/);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Undone: You resolved it: Called it.' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Outcome' })).toHaveCount(0);
  await expect((await history(page)).last()).toHaveText(/You undid “You resolved it: Called it”/);
  expect((await stats(request)).called_it).toBe(before.called_it);
  await request.delete(`/api/calls/${id}`);
});

test("My Calls updates without a reload when the agent's verdict arrives, and again when another tab overrides it", async ({ page, request, shot }) => {
  // A call the agent settles exactly (arithmetic), due tomorrow: it waits until someone asks for a check.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  const a = 100 + Math.floor(Math.random() * 900);
  const b = 10 + Math.floor(Math.random() * 90);
  const statement = `${a} * ${b} is ${a * b}.`;
  const content: Omit<CallContent, 'check' | 'verifiability_factors'> = {
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
  await expect(card).toContainText('Checking');
  await expect(card).toContainText('checks tomorrow');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  expect((await request.post(`/api/calls/${call.id}/check`)).status()).toBe(202);
  await expect(card).toContainText('Called it', { timeout: 20_000 });
  await expect(card).toContainText('Updated just now');
  await expect(page.getByRole('status').filter({ hasText: 'One of your calls was just checked: Called it.' })).toBeVisible();
  await shot('my-calls-live-verdict');

  await request.post(`/api/calls/${call.id}/resolve`, { data: { resolution: 'refuted', note: 'Checked by hand.' } });
  await expect(card).toContainText('Missed it');
  await expect(page.getByRole('status').filter({ hasText: 'One of your calls was just checked: Missed it.' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

  await card.getByRole('link').click();
  await expect(page.getByRole('group', { name: 'Outcome' })).toContainText('Checked by hand.');
  await expect(await history(page)).toHaveText([/The agent settled it: Called it \(\d+% sure\)/, /You overrode the agent's verdict: Missed it/]);
  await expect(page.locator('details.history-section')).not.toContainText('tool uses');
  await request.delete(`/api/calls/${call.id}`);
});
