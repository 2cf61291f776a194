import { expect, returning, test, uniquePrompt } from './fixtures';

test('a call can be made, given a chance and logged with the keyboard alone', async ({ page, shot }) => {
  await returning(page);
  await page.goto('/');
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');

  // Focus order: skip link, the name, the bell, the tabs, then the prediction, the chance and the button.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'CalledIt' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Notifications/ })).toBeFocused();
  for (const name of ['New call', 'My Calls', 'Track record', 'Account']) {
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name })).toBeFocused();
  }
  await page.keyboard.press('Tab');
  const input = page.getByLabel('Your prediction', { exact: true });
  await expect(input).toBeFocused();
  await page.keyboard.type(uniquePrompt('it will rain in Paris every day next week'));
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Chance', { exact: true })).toBeFocused();
  await page.keyboard.press('ArrowUp'); // 50%
  await page.keyboard.press('ArrowUp'); // 55%
  await page.keyboard.press('ArrowUp'); // 60%
  await expect(page.getByLabel('Chance', { exact: true })).toHaveValue('60%');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Working…' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Working…' })).toBeFocused(); // focus is not lost while it runs
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();

  const log = page.getByRole('button', { name: 'Log call at 60%' });
  await expect(log).toBeVisible({ timeout: 20_000 });
  await log.focus();
  await page.keyboard.press('Enter');
  const logged = page.getByRole('status').filter({ hasText: 'Logged.' });
  await expect(logged).toBeVisible();
  await expect(input).toBeFocused(); // ready for the next call
  await shot('keyboard-logged');

  const href = await logged.getByRole('link', { name: 'View it' }).getAttribute('href');
  const id = decodeURIComponent(href!.replace('#/calls/', ''));
  const stored = await (await page.request.get(`/api/calls/${id}`)).json();
  expect(stored.confidence).toBeCloseTo(0.6);
  expect(stored.verification_mode).toBe('recurring');

  // On the call's page: update the chance with the keyboard.
  await page.goto(`/#/calls/${encodeURIComponent(id)}`);
  const update = page.getByRole('button', { name: 'Update my chance' });
  await update.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('New chance')).toBeFocused();
  await page.keyboard.press('ArrowDown'); // 55%
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Your chance is now 55%.' })).toBeVisible();
  await expect(update).toBeFocused();
  await page.request.delete(`/api/calls/${id}`);
});
