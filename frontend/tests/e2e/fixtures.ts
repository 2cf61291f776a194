import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';

const screenshotDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results', 'screenshots');

export const test = base.extend<{
  shot: (name: string) => Promise<void>;
  consoleErrors: string[];
  expectedConsoleErrors: RegExp[];
}>({
  /** Console errors a test causes on purpose (Chromium logs every 4xx answer, e.g. a wrong password). */
  expectedConsoleErrors: [[], { option: true }],
  // global-setup.ts starts the server on a free port and leaves its URL here.
  baseURL: async ({}, use) => {
    const url = process.env.CALLEDIT_E2E_BASE_URL;
    if (!url) throw new Error('CALLEDIT_E2E_BASE_URL is not set: run through `npx playwright test`.');
    await use(url);
  },
  /** Every test fails on a console error or uncaught exception (a CSP violation, a React error…). */
  consoleErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if (message.type() === 'error' && !expectedConsoleErrors.some((pattern) => pattern.test(text))) errors.push(text);
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      await use(errors);
      expect(errors, 'errors in the browser console').toEqual([]);
    },
    { auto: true },
  ],
  /** A full-page screenshot kept as an artifact in test-results/screenshots/. */
  shot: async ({ page }, use, testInfo) => {
    await use((name: string) => screenshot(page, `${testInfo.project.name}-${name}`));
  },
});

/** A full-page screenshot of any page (e.g. a second browser context) as test-results/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}

export { expect };

/** A prompt no other test (or earlier run) uses, so assertions can't match someone else's call. */
export function uniquePrompt(text: string): string {
  return `${text} (e2e ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)})`;
}

/** Quick capture: type the prediction (and a chance), press Enter, wait for the run to start. */
export async function makePrediction(page: Page, prompt: string, chance?: string) {
  if (chance !== undefined) await page.getByLabel('Chance', { exact: true }).fill(chance);
  const input = page.getByLabel('Your prediction', { exact: true });
  await input.fill(prompt);
  await input.press('Enter');
  await expect(page.getByRole('button', { name: 'Working…' })).toBeVisible();
}

/** The Log button of a finished call ("Log call", or "Log call at 70%"). */
export function logButton(page: Page) {
  return page.getByRole('button', { name: /^Log call/ });
}

/** Log the finished call shown and return its id (from the "View it" link). */
export async function logIt(page: Page): Promise<string> {
  await expect(logButton(page)).toBeVisible({ timeout: 20_000 });
  await logButton(page).click();
  const link = page.getByRole('status').filter({ hasText: 'Logged.' }).getByRole('link', { name: 'View it' });
  await expect(link).toBeVisible();
  return decodeURIComponent((await link.getAttribute('href'))!.replace('#/calls/', ''));
}

/** The field group of the call card with this label ("Prediction", "Checks", ...). */
export function field(page: Page, label: string) {
  return page.getByRole('region', { name: 'Your call' }).getByRole('group', { name: label, exact: true });
}

/** A first visit shows the welcome; most tests start as a returning visitor. */
export async function returning(page: Page) {
  await page.addInitScript(() => window.localStorage.setItem('calledit.welcomed', '1'));
}
