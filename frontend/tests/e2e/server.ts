import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const frontendDir = resolve(here, '..', '..');
const repoRoot = resolve(frontendDir, '..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitForHealth(url: string, server: ChildProcess, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`calledit serve exited with code ${server.exitCode} before it was healthy; see ${log}`);
    }
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`calledit serve did not answer ${url} within ${timeoutMs} ms; see ${log}`);
}

export interface RunningServer {
  url: string;
  stop: () => Promise<void>;
}

/**
 * The real server with the scripted model on a free loopback port and a throwaway database. The
 * scheduler polls every second, so a call the agent can settle gets its verdict within a test.
 * `env` adds settings (e.g. CALLEDIT_AUTH=local); the log goes to test-results/`logName`.
 */
export async function startServer(
  env: Record<string, string> = {},
  logName = 'e2e-server.log',
  /** Reuse a port and a data folder (a restart after an outage); `keepData` leaves the folder on stop. */
  options: { port?: number; dataDir?: string; keepData?: boolean } = {},
): Promise<RunningServer & { port: number; dataDir: string }> {
  if (!existsSync(join(repoRoot, 'src', 'calledit', 'server', 'static', 'index.html'))) {
    throw new Error('The UI is not built: run `npm run build` in frontend/ before the e2e tests.');
  }
  const venv = process.env.CALLEDIT_VENV ?? join(repoRoot, '.venv');
  const calledit = join(venv, 'bin', 'calledit');
  if (!existsSync(calledit)) {
    throw new Error(`${calledit} not found: install the Python package into ${venv} first (or set CALLEDIT_VENV).`);
  }

  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'calledit-e2e-'));
  const resultsDir = join(frontendDir, 'test-results');
  mkdirSync(resultsDir, { recursive: true });
  const logPath = join(resultsDir, logName);
  const log = createWriteStream(logPath, { flags: options.port ? 'a' : 'w' });

  const server = spawn(calledit, ['serve', '--host', '127.0.0.1', '--port', String(port), '--model', 'scripted'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      CALLEDIT_DB: join(dataDir, 'e2e.db'),
      CALLEDIT_DATA_DIR: dataDir,
      CALLEDIT_MODEL: 'scripted',
      CALLEDIT_AUTH: 'none',
      CALLEDIT_SCRIPTED_RATE: process.env.CALLEDIT_SCRIPTED_RATE ?? '30',
      CALLEDIT_SCRIPTED_FAIL_ON: 'FAILME',
      CALLEDIT_VERIFY_POLL_SECONDS: '1',
      CALLEDIT_WEB: 'off', // no test reaches the internet (serve defaults the keyless data sources to live)
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${url}/healthz`, server, 30_000, logPath);
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }

  return {
    url,
    port,
    dataDir,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((done) => server.once('exit', done));
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
