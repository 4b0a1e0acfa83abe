/**
 * The first pixel first: a first visit (fresh profile, nothing remembered)
 * draws on WebAssembly at once, and times the backends only after the first
 * grid. The order is read from the engine's own messages, recorded in the
 * page, so nothing here depends on how fast the machine is.
 */
import { expect, test } from '@playwright/test';

interface Logged {
  type: string;
  /** For `ready` and `backend`: the backend, and whether its trial is still to run. */
  backend?: string;
  trialPending?: string;
  figures?: boolean;
}

declare global {
  interface Window {
    engineLog?: Logged[];
  }
}

test('a first visit draws its first pixel before any backend is timed, then shows the figures', async ({ page }) => {
  // A whole grid, then a trial of every backend: minutes on a busy machine.
  test.setTimeout(15 * 60_000);
  // Every message of every worker the page starts (the engine is the only one), in order.
  await page.addInitScript(() => {
    const log: Logged[] = [];
    window.engineLog = log;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent) => {
          const data = event.data as { type?: string; backend?: { name: string; trialPending?: string; trial?: unknown } };
          if (typeof data?.type !== 'string') return;
          log.push({
            type: data.type,
            backend: data.backend?.name,
            trialPending: data.backend?.trialPending,
            figures: data.backend ? Boolean(data.backend.trial) : undefined,
          });
        });
      }
    };
  });
  await page.goto('/');

  // The engine comes up on wasm, its trial still to run.
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  const ready = (await page.evaluate(() => window.engineLog!)).find((m) => m.type === 'ready')!;
  expect(ready).toMatchObject({ backend: 'wasm', trialPending: 'later', figures: false });

  // The figures arrive in the end; the badge shows them as before.
  await page.locator('.backend-badge summary').click();
  await expect(page.getByTestId('backend-figures')).toBeVisible({ timeout: 12 * 60_000 });
  await expect(page.getByTestId('backend-figures').locator('tr[data-backend="wasm"]')).toHaveAttribute('data-outcome', 'timed');
  await page.screenshot({ path: test.info().outputPath('figures-after-first-grid.png') });

  const log = await page.evaluate(() => window.engineLog!);
  const types = log.map((m) => (m.type === 'backend' ? `backend:${m.trialPending ?? (m.figures ? 'figures' : 'none')}` : m.type));
  console.log(`[first pixel] engine messages, each at its first arrival: ${[...new Set(types)].join(' → ')}`);
  const firstPixel = types.indexOf('samplePixels');
  const trialStarts = types.indexOf('backend:running');
  expect(firstPixel, 'the shipped model draws on start').toBeGreaterThan(-1);
  expect(trialStarts, 'the backends are timed').toBeGreaterThan(-1);
  expect(firstPixel, 'the first pixel comes before any backend is timed').toBeLessThan(trialStarts);
  // The trial waits for the whole first grid.
  expect(types.indexOf('sampleDone')).toBeLessThan(trialStarts);
  expect(types.indexOf('backend:figures')).toBeGreaterThan(trialStarts);
});
