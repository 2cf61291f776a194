import type { APIRequestContext } from '@playwright/test';
import type { StoredCall } from '../../src/api/types';
import type { CallContent } from '../../src/types/protocol';
import { expect, returning, test } from './fixtures';

/** A call logged straight through the API (no model run), due `days` from now. */
async function logCall(request: APIRequestContext, statement: string, days: number, extra: Record<string, unknown> = {}): Promise<StoredCall> {
  const content: Omit<CallContent, 'check' | 'verifiability_factors'> = {
    raw_prompt: statement,
    prediction_statement: statement,
    verification_date: new Date(Date.now() + days * 86_400_000).toISOString(),
    date_reasoning: 'Set by the test.',
    timezone: 'Europe/Paris',
    verification_mode: 'at_date',
    recurring_interval: null,
    verifiable_category: 'human_verifiable_only',
    category_reasoning: 'Only the owner knows.',
    verifiability_score: 0.5,
    verification_method: { source: ['me'], criteria: ['It happened'], steps: ['Look'] },
    initial_status: 'pending',
    model: 'scripted (test double)',
  };
  const answer = await request.post('/api/calls', { data: { ...content, ...extra } });
  expect(answer.status()).toBe(201);
  return (await answer.json()) as StoredCall;
}

test.beforeEach(async ({ page }) => returning(page));

test('My Calls as a tracker: search, filters, tags inline, relative dates, bulk resolve, export and import', async ({ page, request, shot }) => {
  const run = Date.now().toString(36);
  const word = `zebra${run}`;
  const soon = await logCall(request, `The ${word} parade happens`, 3, { tags: [`t${run}`] });
  const later = await logCall(request, `The ${word} festival sells out`, 40);
  const overdue = await logCall(request, `The ${word} book is finished`, -2);
  const other = await logCall(request, `Something unrelated ${run}`, 5);

  await page.goto('/#/calls');
  await page.getByLabel('Search your calls').fill(word);
  const cards = page.getByRole('article');
  await expect(cards).toHaveCount(3);
  await expect(page.getByRole('article').filter({ hasText: 'Something unrelated' })).toHaveCount(0);
  const soonCard = cards.filter({ hasText: 'parade' });
  await expect(soonCard).toContainText('Checking');
  await expect(soonCard).toContainText('checks in 3 days');
  await expect(soonCard.locator('time')).toHaveAttribute('title', /\d{4}/); // the exact date on hover
  await expect(cards.filter({ hasText: 'book' })).toContainText('Waiting for you');
  await expect(cards.filter({ hasText: 'book' })).toContainText('was due 2 days ago');

  // Filters: due soon, overdue, sort.
  await page.getByLabel('Show', { exact: true }).selectOption({ label: 'Due soon (7 days)' });
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText('parade');
  await page.getByLabel('Show', { exact: true }).selectOption({ label: 'Overdue' });
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText('book');
  await page.getByLabel('Show', { exact: true }).selectOption({ label: 'All calls' });
  await page.getByLabel('Sort', { exact: true }).selectOption({ label: 'Due soonest' });
  await expect(cards).toHaveText([/book/, /parade/, /festival/]);

  // Tags inline: add one, filter by it, remove it.
  const festival = cards.filter({ hasText: 'festival' });
  await festival.getByLabel(/^Add a tag to/).fill(`music${run}`);
  await festival.getByLabel(/^Add a tag to/).press('Enter');
  await festival.getByRole('button', { name: `Show calls tagged music${run}` }).click();
  await expect(page.getByLabel('Tag', { exact: true })).toHaveValue(`music${run}`);
  await expect(cards).toHaveCount(1);
  await shot('my-calls-filtered');
  await festival.getByRole('button', { name: `Remove tag music${run}` }).click();
  await expect.poll(async () => ((await (await request.get(`/api/calls/${later.id}`)).json()) as StoredCall).tags).toEqual([]);
  await page.getByRole('button', { name: 'Clear filters' }).click();

  // Bulk resolve two of them.
  await page.getByLabel('Search your calls').fill(word);
  await expect(cards).toHaveCount(3);
  await page.getByRole('checkbox', { name: /parade/ }).check();
  await page.getByRole('checkbox', { name: /book/ }).check();
  const bar = page.getByRole('group', { name: 'Resolve the selected calls' });
  await expect(bar).toContainText('2 selected');
  await shot('my-calls-bulk');
  await bar.getByRole('button', { name: 'Missed it' }).click();
  await expect(page.getByRole('status').filter({ hasText: '2 calls marked missed it.' })).toBeVisible();
  await expect(cards.filter({ hasText: 'parade' })).toContainText('Missed it');
  await expect(cards.filter({ hasText: 'book' })).toContainText('Missed it');
  await expect(cards.filter({ hasText: 'festival' })).toContainText('Checking');

  // Export (both formats) from the account page; importing the export adds nothing.
  await page.getByRole('navigation').getByRole('link', { name: 'Account' }).click();
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export as JSON' }).click()]);
  expect(json.suggestedFilename()).toMatch(/^calledit-\d{8}\.json$/);
  const exported = await (await json.createReadStream()).toArray();
  const text = Buffer.concat(exported).toString('utf8');
  expect(text).toContain(`The ${word} parade happens`);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export as CSV' }).click()]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  await page.getByLabel('File to import').setInputFiles({ name: 'export.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: /Imported 0 calls; skipped \d+\./ })).toBeVisible();

  // Fatebook's CSV: a new question comes in; the same file again adds nothing.
  const fatebook = [
    '"Question title","Forecast (scale = 0-1)","Forecast created at","Question created at","Question resolve by","Resolution","Resolved at","Question notes","Question tags"',
    `"Fatebook ${word} question","0.7","2026-11-01T10:00:00.000Z","2026-11-01T10:00:00.000Z","2027-01-01T00:00:00.000Z","","","",""`,
  ].join('\n');
  await page.getByLabel('It comes from').selectOption({ label: 'Fatebook (CSV export)' });
  const file = { name: 'fatebook.csv', mimeType: 'text/csv', buffer: Buffer.from(fatebook) };
  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 1 call; skipped 0.' })).toBeVisible();
  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 0 calls; skipped 1.' })).toBeVisible();
  await shot('account-import');

  await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).click();
  await page.getByLabel('Search your calls').fill(word);
  await expect(page.getByRole('article').filter({ hasText: 'Fatebook' })).toContainText('My chance 70%');

  const imported = ((await (await request.get(`/api/calls?q=${word}&limit=50`)).json()) as { items: StoredCall[] }).items;
  for (const call of [soon, later, overdue, other, ...imported]) await request.delete(`/api/calls/${call.id}`);
});
