import { expect, field, makePrediction, test, uniquePrompt } from './fixtures';

test('works on a phone-sized screen', async ({ page, shot }) => {
  await page.goto('/');
  const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await shot('home');
  expect(await noSideScroll()).toBe(true);

  await makePrediction(page, uniquePrompt('Bitcoin will close above $100k by the end of the year'));
  await expect(page.getByRole('log', { name: 'Live output from the agent' })).toContainText('prediction');
  await shot('streaming');
  await expect(page.getByRole('button', { name: 'Log Call' })).toBeVisible({ timeout: 20_000 });
  await expect(field(page, 'Mode')).toContainText('Must happen by the date');
  expect(await noSideScroll()).toBe(true);

  // Everything a thumb needs is at least 44 px tall.
  for (const name of ['Make Prediction', 'Log Call']) {
    const box = await page.getByRole('button', { name }).boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
  }
  await shot('complete');
  await page.getByRole('button', { name: 'Log Call' }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Call logged.' })).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).tap();
  await expect(page.getByRole('heading', { name: 'My Calls' })).toBeVisible();
  const entry = page.getByRole('article').filter({ hasText: 'Bitcoin will close above' }).first();
  await expect(entry).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('my-calls');

  await entry.getByRole('link').tap();
  await expect(page.getByRole('button', { name: 'Delete call' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('call-detail');

  // Resolve it by thumb, then look at the track record.
  await page.getByRole('button', { name: 'Mark confirmed' }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Marked confirmed' })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('call-resolved');
  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).tap();
  await expect(page.getByRole('img', { name: /Calibration chart/ })).toBeVisible();
  expect(await noSideScroll()).toBe(true);
  await shot('track-record');
  await page.goBack();
  await page.getByRole('button', { name: 'Delete call' }).tap();
  await page.getByRole('button', { name: 'Yes, delete it' }).tap();
  await expect(page.getByRole('status').filter({ hasText: 'Call deleted.' })).toBeVisible();
});
