import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, logIt, makePrediction, test, uniquePrompt } from './fixtures';

/** axe-core's WCAG 2.1 A/AA rules over the page as it is now. */
async function violations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no WCAG A/AA violations in ${scheme} mode: welcome, a finished call, editing, an error, My Calls, a call, the track record, the account`, async ({ page, request, shot }) => {
    test.setTimeout(90_000); // eight axe scans, on two shared cores
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');
    await expect(page.getByRole('region', { name: 'New here? Here is how it works' })).toBeVisible();
    expect(await violations(page)).toEqual([]);

    await makePrediction(page, uniquePrompt('the Lakers will win tonight'), '70%');
    await expect(page.getByRole('button', { name: /^Log call/ })).toBeVisible({ timeout: 20_000 });
    await page.getByText('Show the raw stream from the agent').click();
    await page.getByText('Where to look · Steps').click();
    expect(await violations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Edit before logging' }).click();
    expect(await violations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByRole('form', { name: 'Edit the call' })).toHaveCount(0);
    await shot(`${scheme}-call`);
    const id = await logIt(page);

    await makePrediction(page, uniquePrompt('FAILME soon'));
    await expect(page.getByRole('alert')).toBeVisible();
    expect(await violations(page)).toEqual([]);

    await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).click();
    await expect(page.getByRole('article').first()).toBeVisible();
    await page.getByRole('article').first().getByRole('checkbox').check();
    expect(await violations(page)).toEqual([]);

    await page.goto(`/#/calls/${encodeURIComponent(id)}`);
    await expect(page.getByRole('heading', { name: 'Call details' })).toBeVisible();
    await page.getByRole('button', { name: 'Delete call' }).click();
    await page.getByRole('button', { name: 'Missed it', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
    await page.getByRole('button', { name: 'Update my chance' }).click();
    await page.locator('details.history-section summary').click();
    expect(await violations(page)).toEqual([]);

    await page.getByRole('navigation').getByRole('link', { name: 'Track record' }).click();
    await expect(page.getByRole('img', { name: /Calibration chart/ })).toBeVisible();
    expect(await violations(page)).toEqual([]);
    await shot(`${scheme}-track-record`);

    await page.getByRole('navigation').getByRole('link', { name: 'Account' }).click();
    await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
    expect(await violations(page)).toEqual([]);
    await request.delete(`/api/calls/${id}`);
  });
}
