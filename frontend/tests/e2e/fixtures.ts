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

export async function makePrediction(page: Page, prompt: string, key: 'Enter' | 'Control+Enter' = 'Enter') {
  const input = page.getByLabel('Your Prediction:');
  await input.fill(prompt);
  await input.press(key);
  await expect(page.getByRole('button', { name: 'Processing...' })).toBeVisible();
}

/** The field group of the call card with this label ("Prediction", "Verification date", ...). */
export function field(page: Page, label: string) {
  return page.getByRole('region', { name: 'Prediction Details' }).getByRole('group', { name: label, exact: true });
}
