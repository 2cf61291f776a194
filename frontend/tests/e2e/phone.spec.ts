import { expect, field, logButton, makePrediction, returning, test, uniquePrompt } from './fixtures';

test('works on a phone: the main action in reach without scrolling, no sideways scroll, 44 px targets', async ({ page, request, shot }) => {
  await returning(page);
  await page.goto('/');
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected'); // the app is up
  const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  const height = page.viewportSize()!.height;

  // Header and tabs are compact; the prediction, the chance and the button are on the first screen.
  const header = await page.locator('.App-header').boundingBox();
  expect(header!.height).toBeLessThanOrEqual(110);
  for (const target of [page.getByLabel('Your prediction', { exact: true }), page.getByLabel('Chance', { exact: true }), page.getByRole('button', { name: 'Make the call' })]) {
    const box = await target.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(height * 0.6); // in reach of a thumb, nothing scrolled
    expect(box!.height).toBeGreaterThanOrEqual(44);
  }
  await shot('home');
  expect(await noSideScroll()).toBe(true);

  await makePrediction(page, uniquePrompt('Bitcoin will close above $100k by the end of the year'), '70');
  await shot('streaming');
  await expect(logButton(page)).toBeVisible({ timeout: 20_000 });
  await expect(field(page, 'Kind')).toContainText('Must happen by the date');
  expect(await noSideScroll()).toBe(true);
  const log = (await logButton(page).boundingBox())!;
  expect(log.height).toBeGreaterThanOrEqual(44);
  expect(log.y + log.height).toBeLessThanOrEqual(height); // Log sticks to the foot of the screen: no scrolling to reach it
  await page.screenshot({ path: 'test-results/screenshots/phone-complete-viewport.png' });
  await shot('complete');
  await logButton(page).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Logged.' })).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).tap();
  await expect(page.getByRole('heading', { name: 'My Calls' })).toBeVisible();
  const entry = page.getByRole('article').filter({ hasText: 'Bitcoin will close above' }).first();
  await expect(entry).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('my-calls');

  const id = decodeURIComponent((await entry.getByRole('link').getAttribute('href'))!.replace('#/calls/', ''));
  // A before-date call is checked as soon as it is logged: wait for the agent's first "not yet" (the
  // tallest this page gets: a verdict, its Undo, and every section), then open the call.
  await expect.poll(async () => ((await (await request.get(`/api/calls/${id}`)).json()) as { verdict: unknown }).verdict, { timeout: 20_000 }).not.toBeNull();
  await entry.getByRole('link').tap();
  await expect(page.getByRole('button', { name: 'Delete call' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Outcome' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('call-detail');
  // The call's page stays short: how it is checked, the verdict's reasoning and evidence, and the history
  // are folded behind disclosures. 1,728 px measured on a 390 px screen with the verdict (2,722 before
  // the folds); the margin is three lines, for a longer unique prompt or a wrapped date.
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(1_800);
  const fold = page.getByRole('group', { name: 'Outcome' }).getByText(/^Why, and the evidence/);
  await fold.tap();
  await expect(page.getByRole('group', { name: 'Outcome' }).getByRole('list', { name: 'Evidence' })).toBeVisible();
  await page.getByText('How it is checked, and more').tap();
  await expect(page.getByRole('group', { name: 'What counts' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('call-detail-unfolded');

  await page.getByRole('button', { name: 'Called it', exact: true }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Marked called it' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('call-resolved');

  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).tap();
  const chart = page.getByRole('img', { name: /Calibration chart/ });
  await expect(chart).toBeVisible();
  expect((await chart.boundingBox())!.width).toBeGreaterThanOrEqual(330); // sized for the phone, not a thumbnail
  expect(await noSideScroll()).toBe(true);
  await shot('track-record');

  await page.getByRole('navigation').getByRole('link', { name: 'Account' }).tap();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('account');
  await page.goBack();
  await page.goBack();
  await page.getByRole('button', { name: 'Delete call' }).tap();
  await page.getByRole('button', { name: 'Yes, delete it' }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Call deleted.' })).toBeVisible();
});

test('first visit on a phone: the welcome sits under the form, the form stays in reach', async ({ page, shot }) => {
  await page.goto('/');
  await expect(page.getByRole('region', { name: 'New here? Here is how it works' })).toBeVisible();
  const button = await page.getByRole('button', { name: 'Make the call' }).boundingBox();
  expect(button!.y + button!.height).toBeLessThanOrEqual(page.viewportSize()!.height * 0.6);
  await shot('welcome');
});
