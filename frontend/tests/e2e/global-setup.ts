import { startServer } from './server';

/**
 * Start the real server (auth off, scripted model) for the whole run and hand its URL to the tests
 * (CALLEDIT_E2E_BASE_URL). Set CALLEDIT_E2E_BASE_URL yourself to test a server you already run instead.
 * The accounts spec starts its own server with CALLEDIT_AUTH=local (see accounts.spec.ts).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.CALLEDIT_E2E_BASE_URL) return async () => undefined;
  const server = await startServer();
  process.env.CALLEDIT_E2E_BASE_URL = server.url;
  return server.stop;
}
