import { defineConfig } from '@playwright/test';

// Browsers cannot be downloaded on these machines: Debian's Chromium drives every test.
// The flags keep it from calling home (the network is closed) and let it run as root.
const chromium = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1, // one stack, tests that change it run in order
  globalSetup: './global-setup.ts',
  outputDir: './test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
});
