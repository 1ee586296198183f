import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vitest/config';

// The Go binary embeds this folder (backend/webui); it serves index.html for every client route.
const outDir = resolve(import.meta.dirname, '../backend/webui/dist');

// emptyOutDir wipes the folder, but git tracks dist/.keep so that `go build` (go:embed) works
// before any UI build: put it back after each build.
function keepFile(): Plugin {
  return {
    name: 'palisade-keep-file',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(outDir, '.keep'), '');
    },
  };
}

// `npm run dev` proxies the API to a running palisade (PALISADE_URL, default :8080).
const backend = process.env.PALISADE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react(), keepFile()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsInlineLimit: 0, // the CSP allows data: images only; keep fonts and scripts as files
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': backend,
      '/auth': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'scripts/**/*.test.{ts,mjs}'],
    restoreMocks: true,
    testTimeout: 20_000,
    css: false,
  },
});
