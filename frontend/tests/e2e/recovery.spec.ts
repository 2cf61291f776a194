import { test as base, expect } from './fixtures';
import { startServer } from './server';

// The server goes away and comes back on the same port with the same database: the page recovers by
// itself, the header first, then My Calls, with no click on "Try again".
const test = base;
test.use({ expectedConsoleErrors: [/Failed to load resource|ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/] });

test('after an outage the page recovers without a manual retry: the header, then My Calls', async ({ page, shot }) => {
  test.setTimeout(90_000);
  let server = await startServer({}, 'e2e-server-recovery.log', { keepData: true });
  const { port, dataDir } = server;
  try {
    await page.addInitScript(() => window.localStorage.setItem('calledit.welcomed', '1'));
    await page.goto(`${server.url}/#/calls`);
    const connection = page.getByRole('status').filter({ hasText: 'Server connection' });
    await expect(connection).toContainText('Connected');
    await expect(page.getByText(/No calls yet/)).toBeVisible();

    await server.stop();
    await expect(connection).toContainText(/Reconnecting|Offline/);
    // A search during the outage: My Calls says it cannot reach the server (after its own retries).
    await page.getByLabel('Search your calls').fill('anything');
    await expect(page.getByRole('alert')).toContainText('Could not load your calls', { timeout: 30_000 });
    await shot('outage');

    server = await startServer({}, 'e2e-server-recovery.log', { port, dataDir, keepData: true });
    const back = Date.now();
    await expect(connection).toContainText('Connected', { timeout: 10_000 });
    const reconnectMs = Date.now() - back;
    await expect(page.getByRole('alert')).toHaveCount(0, { timeout: 5_000 });
    await expect(page.getByText('No call matches these filters.')).toBeVisible();
    expect(reconnectMs).toBeLessThan(6_000); // the backoff never waits more than 3 s
    await shot('recovered');
  } finally {
    await server.stop();
  }
});
