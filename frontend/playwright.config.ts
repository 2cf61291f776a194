import { defineConfig, devices } from '@playwright/test';

// Real headless Chromium from Debian (Playwright's own browser downloads are not used), driving the
// real Python server with the scripted model, which tests/e2e/global-setup.ts starts on a free port.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/playwright',
  globalSetup: './tests/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1, // one server, two cores: serial is fastest and keeps runs independent
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath, args: chromiumArgs },
    locale: 'en-GB',
    timezoneId: 'Europe/Paris',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 900 } }, testIgnore: /phone\.spec\.ts/ },
    // phone.spec.ts is the phone's own; notifications.spec.ts (the bell is in every header) and share.spec.ts run on both.
    { name: 'phone', use: { ...devices['Pixel 5'], viewport: { width: 390, height: 844 } }, testMatch: /(phone|notifications|share)\.spec\.ts/ },
  ],
});
