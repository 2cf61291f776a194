import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type { Bell, StoredCall } from '../../src/api/types';
import type { CallContent } from '../../src/types/protocol';
import { expect, returning, test } from './fixtures';

// Runs in both projects (desktop 1280×900 and phone 390×844): the bell lives in the header of each.

async function violations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test.beforeEach(async ({ page }) => returning(page));

test('a verdict arrives: the bell counts it without a reload, opens, marks it read, and leads to the call', async ({ page, request, shot }) => {
  test.setTimeout(60_000); // two axe scans on two shared cores
  // A call the agent settles exactly (arithmetic), due tomorrow: it waits until someone asks for a check.
  const a = 100 + Math.floor(Math.random() * 900);
  const b = 10 + Math.floor(Math.random() * 90);
  const statement = `${a} * ${b} is ${a * b}.`;
  const content: Omit<CallContent, 'check' | 'verifiability_factors'> = {
    raw_prompt: statement,
    prediction_statement: statement,
    verification_date: new Date(Date.now() + 86_400_000).toISOString(),
    date_reasoning: 'Set by the test.',
    timezone: 'Europe/Paris',
    verification_mode: 'at_date',
    recurring_interval: null,
    verifiable_category: 'strands_tool_verifiable',
    category_reasoning: 'A calculation settles it.',
    verifiability_score: 0.95,
    verification_method: { source: ['arithmetic'], criteria: [statement], steps: ['Multiply'] },
    initial_status: 'pending',
    model: 'scripted (test double)',
  };
  const created = await request.post('/api/calls', { data: content });
  expect(created.status()).toBe(201);
  const call = (await created.json()) as StoredCall;
  expect((await request.post('/api/notifications/read', { data: {} })).status()).toBe(200); // nothing unread to start

  await page.goto('/');
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');
  const bell = page.getByRole('button', { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName('Notifications');
  await expect(bell).toHaveAttribute('aria-expanded', 'false');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  // The agent's verdict lands: the bell counts it, live over the WebSocket; screen readers hear it once, from
  // the app's notice (the bell does not say it again).
  expect((await request.post(`/api/calls/${call.id}/check`)).status()).toBe(202);
  await expect(bell).toHaveAccessibleName(/^Notifications, [1-9]\d* unread$/, { timeout: 20_000 });
  // Usually 1; another spec's verdict landing meanwhile would make it more, so count from what it says.
  const unread = Number(/(\d+) unread/.exec((await bell.locator('.sr-only').textContent()) ?? '')?.[1]);
  expect(unread).toBeGreaterThanOrEqual(1);
  await expect(page.getByRole('status').filter({ hasText: 'One of your calls was just checked' })).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: 'New notification' })).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await shot('bell-count');

  // Open: focus moves into the panel; the new one is there, unread, and links to its call.
  await bell.click();
  await expect(bell).toHaveAttribute('aria-expanded', 'true');
  const panel = page.getByRole('region', { name: 'Notifications' });
  await expect(panel.getByRole('heading', { name: 'Notifications' })).toBeFocused();
  const item = panel.getByRole('listitem').filter({ hasText: statement });
  await expect(item).toContainText(`Your call was confirmed: ${statement}`);
  await expect(item).toContainText('Unread');
  await expect(item.getByRole('link', { name: 'Open the call' })).toHaveAttribute('href', `#/calls/${encodeURIComponent(call.id)}`);
  const box = (await panel.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0); // the panel stays on screen
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  expect(await violations(page)).toEqual([]);
  await shot('bell-open');

  // Mark it read: the count goes down, here and on the server.
  await item.getByRole('button', { name: /^Mark read/ }).click();
  await expect(item.getByRole('button', { name: /^Mark read/ })).toHaveCount(0);
  await expect(item).not.toContainText('Unread');
  await expect(bell).toHaveAccessibleName(unread - 1 > 0 ? `Notifications, ${unread - 1} unread` : 'Notifications');
  const stored = (await (await request.get('/api/notifications')).json()) as Bell;
  const mine = stored.items.find((entry) => entry.call_id === call.id)!;
  expect(mine.read_at).not.toBeNull();

  // Escape closes it and gives focus back to the bell; in dark mode it is as readable.
  await page.keyboard.press('Escape');
  await expect(bell).toHaveAttribute('aria-expanded', 'false');
  await expect(bell).toBeFocused();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('heading', { name: 'Notifications' })).toBeFocused();
  expect(await violations(page)).toEqual([]);
  await shot('bell-open-dark');

  // Follow it to the call: the panel closes and the call's page has the focus.
  await item.getByRole('link', { name: 'Open the call' }).click();
  await expect(page.getByRole('heading', { name: 'Call details' })).toBeFocused();
  await expect(bell).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('group', { name: 'Outcome' })).toContainText('Called it');
  await request.delete(`/api/calls/${call.id}`);
});

test('the account page lists each event per channel and keeps a choice', async ({ page, request }) => {
  await page.goto('/#/account');
  const section = page.getByRole('region', { name: 'Notifications' });
  const table = section.getByRole('table', { name: 'What goes where' });
  const digest = table.getByRole('checkbox', { name: 'Weekly digest: Bell' });
  const before = await digest.isChecked();
  await digest.click();
  await expect(section.getByRole('status')).toContainText('Saved.');
  await expect(digest).toBeChecked({ checked: !before });
  await page.reload();
  await expect(page.getByRole('region', { name: 'Notifications' }).getByRole('checkbox', { name: 'Weekly digest: Bell' })).toBeChecked({ checked: !before });
  await expect(section.getByRole('region', { name: 'Email' })).toContainText('This server sends no email');
  await request.put('/api/notifications/events', { data: { digest: { inapp: before } } }); // as it was
});
