/**
 * Run-time safety: the Content-Security-Policy holds and the app works under
 * it, a model too big for memory is refused before it is built, and an
 * engine that dies comes back by itself with the saved model.
 */
import { type Page, type Worker, expect, test } from '@playwright/test';
import { APP_PATH, BACKEND, TINY, describeTiny, expectDatasetGeometry, openTinyApp, region, stepOnce, waitForApp } from './app-helpers';

/** The engine's worker: the one the page started without a name (backend-trial workers and training helpers have names). */
async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of [...page.workers()].reverse()) {
    if ((await worker.evaluate(() => self.name).catch(() => null)) === '') return worker;
  }
  throw new Error('The page has no engine worker.');
}

/**
 * Makes the engine die as it can in the wild, from inside its worker (the
 * app has no hook for it): 'abort' hands the engine a request whose handling
 * hits a WebAssembly abort; 'uncaught' throws outside any request, which the
 * page sees as the worker's error event.
 */
async function crashEngine(page: Page, how: 'abort' | 'uncaught'): Promise<void> {
  const engine = await engineWorker(page);
  await engine.evaluate((kind) => {
    if (kind === 'uncaught') {
      setTimeout(() => {
        throw new Error('The engine was stopped on purpose by a test.');
      }, 0);
      return;
    }
    const abort = Object.assign(new Error('Aborted(). Build with -sASSERTIONS for more info.'), { name: 'RuntimeError' });
    const request = {
      type: 'step',
      get settings(): never {
        throw abort;
      },
    };
    const scope = self as unknown as { onmessage: ((event: MessageEvent) => void) | null };
    scope.onmessage?.(new MessageEvent('message', { data: { id: -1, request } }));
  }, how);
}

test('the Content-Security-Policy is in force, the server says nosniff, and the app samples and trains under it', async ({ page }) => {
  // Every violation the page reports, from the first script on.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const response = await page.goto(APP_PATH);
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const directive of ["script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-src 'none'"]) {
    expect(policy).toContain(directive);
  }
  await waitForApp(page);

  // An injected inline script does not run, and the browser says why.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { inlineScriptRan?: boolean }).inlineScriptRan === true;
  });
  expect(ran).toBe(false);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))
    .toEqual([expect.stringMatching(/^script-src/)]);

  // The app under the policy, loaded afresh: a tiny model trains a step and draws a grid.
  await openTinyApp(page);
  await stepOnce(page);
  const sampling = region(page, 'Sampling');
  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(page.getByTestId('sample-progress')).toHaveText(`pixel ${TINY.size * TINY.size} of ${TINY.size * TINY.size}`);
  await expect(sampling.getByRole('button', { name: 'Sample', exact: true })).toBeEnabled();
  // Nothing the app itself did since that load was blocked.
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
});

test('a model too big for memory is refused before it is built, with the numbers, and the model stays', async ({ page }) => {
  await openTinyApp(page);
  const model = region(page, 'Model');
  await model.getByLabel('Image size', { exact: true }).fill('256');
  await model.getByLabel('Hidden channels', { exact: true }).fill('1023');
  await model.getByLabel('Layers', { exact: true }).fill('64');
  await model.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(model.getByRole('alert')).toContainText(
    /This model needs about [\d.]+ GB to train on batches of \d+ \(.*\), more than the [\d.]+ GB allowed on \w+/,
  );
  await expect(model.getByText(describeTiny(TINY), { exact: true })).toBeVisible();
  await expect(page.getByText(/Aborted/)).toHaveCount(0);
});

test('an engine that dies comes back by itself on the saved model, saying so in plain words', async ({ page }) => {
  await openTinyApp(page);
  await stepOnce(page);
  await stepOnce(page);
  const banner = page.locator('.engine-banner');
  for (const how of ['abort', 'uncaught'] as const) {
    await crashEngine(page, how);
    await expect(banner).toContainText(/The engine stopped \(.+\) and was restarted on the last saved model\./);
    if (how === 'abort') await expect(banner).toContainText('ran out of memory or hit an internal error in its WebAssembly code');
    await expect(page.getByText(/Aborted\(|-sASSERTIONS/)).toHaveCount(0);
    await expect(page.getByTestId('backend-name')).toHaveText(BACKEND === 'auto' ? /\w+/ : BACKEND, { timeout: 120_000 });
    await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
    await expect(page.getByTestId('model-steps')).toHaveText('2');
    await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
    // Dismissed, so the next death's message is a new one.
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await expect(banner).toHaveCount(0);
  }
  // It still trains, once the new engine has its dataset back.
  await expectDatasetGeometry(page, TINY);
  await stepOnce(page);
});
