/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Python server (`calledit serve`) serves the built UI at `/`, so the bundle goes into its
// static folder; `vite dev` proxies the same-origin `/api` and `/ws` to a locally running server.
const backend = process.env.CALLEDIT_DEV_BACKEND ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  // VITE_ is Vite's prefix; REACT_APP_ keeps the seeds' documented variable names working.
  envPrefix: ['VITE_', 'REACT_APP_'],
  build: {
    outDir: '../src/calledit/server/static',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['tests/unit/**/*.test.{ts,tsx}'],
    setupFiles: ['tests/unit/setup.ts'],
    restoreMocks: true,
    testTimeout: 20_000, // two shared cores: a component test under load can take seconds
  },
});
