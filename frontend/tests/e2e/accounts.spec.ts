import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test as base, expect, logIt, makePrediction, screenshot, uniquePrompt } from './fixtures';
import { startServer, type RunningServer } from './server';

// Accounts need a server with CALLEDIT_AUTH=local: this file starts its own (once per worker), next
// to the auth-off one the rest of the suite uses.
const test = base.extend<object, { accountsServer: RunningServer }>({
  accountsServer: [
    async ({}, use) => {
      const server = await startServer(
        { CALLEDIT_AUTH: 'local', CALLEDIT_JWT_SECRET: 'e2e-only-secret-0123456789abcdef0123456789' },
        'e2e-server-accounts.log',
      );
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ accountsServer }, use) => {
    await use(accountsServer.url);
  },
});

// A wrong password and another user's call are answered 401 and 404, which Chromium logs.
test.use({ expectedConsoleErrors: [/the server responded with a status of (401|404)/] });

const PASSWORD = 'correct horse battery staple';

function username(name: string): string {
  return `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

async function signUp(page: Page, name: string) {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeFocused();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
}

async function signIn(page: Page, name: string, password = PASSWORD) {
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function axe(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('sign up, log a call, sign out, sign in again and see it; another user does not', async ({
  page,
  browser,
  baseURL,
  shot,
}) => {
  const alice = username('alice');
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));

  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0); // nothing else before signing in
  expect(await axe(page)).toEqual([]);
  await shot('sign-in');

  await signUp(page, alice);
  await expect(page.getByRole('status').filter({ hasText: 'Server connection' })).toContainText('Connected');
  expect(sockets.at(-1)).toMatch(/\/ws\?token=ey/); // the WebSocket carries the access token

  // Only the refresh token is stored; the access token stays in memory.
  const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('calledit.session')))!) as Record<string, unknown>;
  expect(stored.refresh_token).toEqual(expect.any(String));
  expect(JSON.stringify(stored)).not.toContain('access_token');

  const prompt = uniquePrompt("alice's cat will knock a glass over tomorrow");
  await makePrediction(page, prompt, '30%');
  const href = `#/calls/${encodeURIComponent(await logIt(page))}`;
  await shot('signed-in-logged');

  // Sign out: back to the sign-in page, and the session is over on the server too.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeFocused();
  await expect(page.getByRole('status').filter({ hasText: 'You signed out.' })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('calledit.session'))).toBeNull();
  const refused = await page.request.post('/api/auth/token', {
    data: { grant_type: 'refresh_token', refresh_token: stored.refresh_token },
  });
  expect(refused.status()).toBe(401);

  // A wrong password is refused with the server's message; then sign in properly and find the call.
  await signIn(page, alice, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Username')).toBeFocused();
  await shot('sign-in-error');
  await signIn(page, alice);
  await expect(page.getByText(`Signed in as ${alice}`)).toBeVisible();
  await page.getByRole('navigation').getByRole('link', { name: 'My Calls' }).click();
  const entry = page.getByRole('article').filter({ hasText: prompt.slice(1) });
  await expect(entry).toBeVisible();

  // Reloading keeps you signed in (the refresh token is in localStorage).
  await page.reload();
  await expect(page.getByText(`Signed in as ${alice}`)).toBeVisible();
  await expect(entry).toBeVisible();
  await shot('signed-in-my-calls');

  // Bob, in a browser of his own, sees none of Alice's calls, not even by its address.
  const other = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
  const bobPage = await other.newPage();
  await bobPage.goto('/');
  await signUp(bobPage, username('bob'));
  await bobPage.getByRole('navigation').getByRole('link', { name: 'My Calls' }).click();
  await expect(bobPage.getByText(/No calls yet/)).toBeVisible();
  await screenshot(bobPage, 'phone-signed-in-my-calls');
  await bobPage.goto(`/${href}`);
  await expect(bobPage.getByRole('alert')).toContainText('This call does not exist');
  await bobPage.goto('/#/record');
  await expect(bobPage.locator('.tally-item').filter({ hasText: 'All calls' })).toContainText('0');
  await bobPage.getByRole('button', { name: 'Sign out' }).click();
  await expect(bobPage.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await screenshot(bobPage, 'phone-sign-in');
  await other.close();

  await page.goto(`/${href}`);
  await page.getByRole('button', { name: 'Delete call' }).click();
  await page.getByRole('button', { name: 'Yes, delete it' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Call deleted.' })).toBeVisible();
});

test('signing out in one tab signs out the other', async ({ page, context }) => {
  await page.goto('/');
  await signUp(page, username('carol'));
  const second = await context.newPage(); // same browser: shares localStorage, as a second tab does
  await second.goto('/#/record');
  await expect(second.getByRole('heading', { name: 'Track record' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(second.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(second.getByText('You signed out in another tab.')).toBeVisible();
});

test('personal API tokens: create one (shown once), use it from a script, list it, revoke it', async ({ page, request, shot }) => {
  await page.goto('/');
  await signUp(page, username('dana'));
  await page.getByRole('navigation').getByRole('link', { name: 'Account' }).click();
  const tokens = page.getByRole('region', { name: 'Personal API tokens' });
  await expect(tokens).toContainText('No tokens yet.');
  await tokens.getByLabel('Name').fill('laptop CLI');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const value = tokens.getByLabel('New token');
  await expect(value).toHaveValue(/^cit_/);
  const token = await value.inputValue();
  await expect(tokens).toContainText('Copy it now: it is not shown again.');
  await expect(tokens.getByRole('list')).toContainText('laptop CLI');
  expect(await axe(page)).toEqual([]);
  await shot('account-tokens');

  // A script uses it as a bearer token.
  const headers = { Authorization: `Bearer ${token}` };
  expect((await request.get('/api/calls', { headers })).status()).toBe(200);

  // Once dismissed it is gone from the page; revoking it stops it at once.
  await tokens.getByRole('button', { name: 'Done' }).click();
  await expect(tokens.getByLabel('New token')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('region', { name: 'Personal API tokens' })).not.toContainText(token);
  await page.getByRole('region', { name: 'Personal API tokens' }).getByRole('button', { name: 'Revoke laptop CLI' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Revoked laptop CLI.' })).toBeVisible();
  expect((await request.get('/api/calls', { headers })).status()).toBe(401);
});
