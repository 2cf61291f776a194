import { expect, test, uniquePrompt } from './fixtures';

test('a prediction can be made and logged with the keyboard alone', async ({ page, shot }) => {
  await page.goto('/');
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');

  // Focus order: skip link, the three tabs, then the prediction box.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Make a Prediction' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'My Calls' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Track record' })).toBeFocused();
  await page.keyboard.press('Tab');
  const input = page.getByLabel('Your Prediction:');
  await expect(input).toBeFocused();

  await page.keyboard.type(uniquePrompt('it will rain in Paris every day next week'));
  await page.keyboard.press('Control+Enter');
  await expect(page.getByRole('button', { name: 'Processing...' })).toBeVisible();
  await expect(input).toBeFocused(); // focus is not lost while it runs
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Processing...' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();

  await expect(page.getByRole('button', { name: 'Log Call' })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Log Call' }).focus();
  await page.keyboard.press('Shift+Tab'); // back to the slider (disabled: skipped) and the checkbox
  await expect(page.getByLabel('Add how likely I think it is')).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('My confidence')).toBeFocused();
  await page.keyboard.press('ArrowRight'); // 50% → 55%
  await page.keyboard.press('ArrowRight'); // → 60%
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Log Call' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Call logged.' })).toBeVisible();
  await shot('keyboard-logged');

  const logged = await page.getByRole('link', { name: 'View it in My Calls' }).getAttribute('href');
  const id = decodeURIComponent(logged!.replace('#/calls/', ''));
  const stored = await (await page.request.get(`/api/calls/${id}`)).json();
  expect(stored.confidence).toBeCloseTo(0.6);
  expect(stored.verification_mode).toBe('recurring');
  await page.request.delete(`/api/calls/${id}`);
});
