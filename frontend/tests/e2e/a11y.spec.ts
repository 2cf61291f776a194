import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, makePrediction, test, uniquePrompt } from './fixtures';

/** axe-core's WCAG 2.1 A/AA rules over the page as it is now. */
async function violations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('no WCAG A/AA violations on the form, a finished call, an error, My Calls, a call and the track record', async ({ page, request }) => {
  await page.goto('/');
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');
  expect(await violations(page)).toEqual([]);

  await makePrediction(page, uniquePrompt('the Lakers will win tonight'));
  await expect(page.getByRole('button', { name: 'Log Call' })).toBeVisible({ timeout: 20_000 });
  await page.getByText('Raw stream from the agent').click();
  expect(await violations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Log Call' }).click();
  const href = await page.getByRole('link', { name: 'View it in My Calls' }).getAttribute('href');
  const id = decodeURIComponent(href!.replace('#/calls/', ''));

  await makePrediction(page, uniquePrompt('FAILME soon'));
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).click();
  await expect(page.getByRole('article').first()).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.locator(`a[href="#/calls/${encodeURIComponent(id)}"]`).click();
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete call' }).click();
  expect(await violations(page)).toEqual([]);

  // Resolved by hand, with its history, an undo and a confidence being changed.
  await page.getByRole('button', { name: 'Mark refuted' }).click();
  await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
  await page.getByRole('button', { name: 'Add my confidence' }).click();
  expect(await violations(page)).toEqual([]);

  await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).click();
  await expect(page.getByRole('img', { name: /Calibration chart/ })).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await request.delete(`/api/calls/${id}`);
});
