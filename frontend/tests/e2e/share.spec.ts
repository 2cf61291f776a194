import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type { StoredCall } from '../../src/api/types';
import type { CallContent } from '../../src/types/protocol';
import { expect, returning, screenshot, test } from './fixtures';

// Runs in both projects (desktop 1280×900 and phone 390×844). Asking whether a call is shared answers 404
// while it is not, which Chromium logs.
test.use({ expectedConsoleErrors: [/the server responded with a status of 404/] });

async function violations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test.beforeEach(async ({ page }) => returning(page));

test('share a call: its public page shows the statement and Open Graph tags; stop sharing and it is 404', async ({ page, request, shot }, testInfo) => {
  test.setTimeout(60_000); // two axe scans on two shared cores
  const statement = `The e2e sharing test passes (${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}).`;
  const content: Omit<CallContent, 'check' | 'verifiability_factors'> = {
    raw_prompt: statement,
    prediction_statement: statement,
    verification_date: new Date(Date.now() + 86_400_000).toISOString(),
    date_reasoning: 'Set by the test.',
    timezone: 'Europe/Paris',
    verification_mode: 'at_date',
    recurring_interval: null,
    verifiable_category: 'human_verifiable_only', // the agent leaves it alone while the test runs
    category_reasoning: 'Only its owner can tell.',
    verifiability_score: 0.5,
    verification_method: { source: ['the test'], criteria: [statement], steps: ['Look'] },
    initial_status: 'pending',
    model: 'scripted (test double)',
  };
  const created = await request.post('/api/calls', { data: { ...content, confidence: 0.7 } });
  expect(created.status()).toBe(201);
  const call = (await created.json()) as StoredCall;

  await page.goto(`/#/calls/${encodeURIComponent(call.id)}`);
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();
  const share = page.getByRole('button', { name: 'Share', exact: true });
  await expect(share).toHaveAttribute('aria-expanded', 'false');

  // Open: focus moves into the panel; my confidence is an option, off by default.
  await share.click();
  const panel = page.getByRole('region', { name: 'Share this call' });
  await expect(panel.getByRole('heading', { name: 'Share this call' })).toBeFocused();
  const confidence = panel.getByRole('checkbox', { name: 'Show my confidence on the public page' });
  await expect(confidence).not.toBeChecked();
  await expect(panel).toContainText('Your chance: 70%.');
  expect(await violations(page)).toEqual([]);
  await confidence.check();
  await panel.getByRole('button', { name: 'Share publicly' }).click();

  const address = panel.getByRole('textbox', { name: 'Public address' });
  await expect(address).toBeFocused();
  const url = await address.inputValue();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/c\/[\w-]{12,}$/);
  await expect(panel.getByRole('status')).toHaveText('Shared: anyone with the address can see it.');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await violations(page)).toEqual([]);
  await shot('share-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Copy: the clipboard holds the address (the page is served from 127.0.0.1, a secure context).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await panel.getByRole('button', { name: 'Copy the address' }).click();
  await expect(panel.getByRole('status')).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  // Open it, in a new tab of the same browser: the server-rendered page, as a link preview reads it.
  const [publicPage] = await Promise.all([page.context().waitForEvent('page'), panel.getByRole('link', { name: /^Open the public page/ }).click()]);
  await publicPage.waitForLoadState('domcontentloaded');
  expect(publicPage.url()).toBe(url);
  await expect(publicPage.locator('body')).toContainText(statement);
  await expect(publicPage.locator('body')).toContainText('70%'); // the confidence I chose to show
  await expect(publicPage.locator('meta[property="og:title"]')).toHaveAttribute('content', statement);
  await expect(publicPage.locator('meta[property="og:url"]')).toHaveAttribute('content', url);
  await screenshot(publicPage, `${testInfo.project.name}-share-public-page`);

  // Stop sharing: the page says it is gone at once, and it is.
  await page.bringToFront();
  await panel.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(panel.getByRole('status')).toContainText('the public page now answers “not found” (404)');
  await expect(panel.getByRole('button', { name: 'Share publicly' })).toBeVisible();
  await expect(panel.getByRole('heading', { name: 'Share this call' })).toBeFocused();
  const gone = await publicPage.reload();
  expect(gone?.status()).toBe(404);
  await expect(publicPage.getByRole('heading', { level: 1 })).toHaveText('Nothing is shared at this address');
  await expect(publicPage.locator('body')).not.toContainText(statement);
  await publicPage.close();

  // Escape closes the panel and hands focus back to Share.
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(share).toBeFocused();
  await expect(share).toHaveAttribute('aria-expanded', 'false');
  await shot('share-closed');
  expect((await request.delete(`/api/calls/${call.id}`)).status()).toBe(204);
});
