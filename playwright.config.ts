import { defineConfig } from '@playwright/test';
import { chromiumHelp, findChromium } from './scripts/chromium-path.mjs';

// End-to-end tests drive a system Chromium (Playwright cannot download its own
// browsers here). WebGPU comes from SwiftShader, a software adapter: no GPU is
// needed, but everything GPU-side is slow, hence the generous timeouts.

const chromiumPath = findChromium();
if (!chromiumPath) {
  throw new Error(chromiumHelp());
}

// E2E_PORT lets two checkouts run their e2e suites side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);
const BASE_URL = `http://localhost:${PORT}`;

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // CI has 90 minutes for install + type-check + unit + e2e; fail clearly
  // rather than be cut off.
  globalTimeout: process.env.CI ? 50 * 60_000 : 0,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: 'list',
  outputDir: 'test-results',
  use: {
    baseURL: BASE_URL,
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
      ],
    },
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
