/**
 * Browser storage failing under a running app: a full disk is said in plain
 * words, keeps what was saved and lets training go on, and the site's data
 * cleared mid-run is noticed and written again from memory.
 */
import { type Page, type Worker, expect, test } from '@playwright/test';
import { TINY, describeTiny, openTinyApp, region, savedSteps, stepCount, stepOnce, waitForApp } from './app-helpers';

/** The engine's worker: the one the page started without a name (backend-trial workers and training helpers have names). */
async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of [...page.workers()].reverse()) {
    if ((await worker.evaluate(() => self.name).catch(() => null)) === '') return worker;
  }
  throw new Error('The page has no engine worker.');
}

/**
 * Makes IndexedDB in the engine's worker refuse every write of a model (the
 * saved model, a checkpoint) as a full disk does: the transaction aborts with
 * a QuotaExceededError. Chromium does not enforce a quota set through CDP
 * (Storage.overrideQuotaForOrigin) on IndexedDB writes, so the refusal is
 * made here, in the browser's own terms, with no hook in the app. `full`
 * false lifts it again (room was made).
 */
async function setStorageFull(page: Page, full: boolean): Promise<void> {
  const engine = await engineWorker(page);
  await engine.evaluate((on) => {
    const scope = self as unknown as { storageFull?: boolean; putPatched?: boolean };
    scope.storageFull = on;
    if (scope.putPatched) return;
    scope.putPatched = true;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const request = put.call(this, value, key);
      if (scope.storageFull && typeof value === 'object' && value !== null && 'tensors' in value) {
        const transaction = this.transaction;
        const error = new DOMException('The current transaction exceeded its quota limitations.', 'QuotaExceededError');
        Object.defineProperty(transaction, 'error', { get: () => error });
        transaction.abort();
      }
      return request;
    };
  }, full);
}

test('a full disk is said in plain words, loses nothing saved, lets training go on, and deleting History entries makes room', async ({ page }) => {
  test.setTimeout(300_000);
  await openTinyApp(page);
  await stepOnce(page);
  await expect.poll(() => savedSteps(page)).toBe(1);

  await setStorageFull(page, true);
  await stepOnce(page);
  const problem = page.getByTestId('save-problem');
  await expect(problem).toContainText('The model at step 2 could not be saved in this browser: its storage for this site is full.');
  await expect(problem).toContainText(/Saving it needs about \d+ kB \(this browser lets the site use [\d.]+ [kMG]B, and [\d.]+ [kMG]B of it is in use\)\./);
  await expect(problem).toContainText('The model saved before, at step 1, is kept, and training goes on.');
  await expect(problem).toContainText('To make room, export the model to a file (Model panel) or delete old entries in History.');
  console.log(`[storage] ${await problem.locator('span').textContent()}`);
  await expect(page.locator('.notices .notice').filter({ hasText: 'could not be saved' })).toBeVisible();
  expect(await savedSteps(page)).toBe(1);

  // Training goes on, through saves and a checkpoint that fail.
  const training = region(page, 'Training');
  await training.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThanOrEqual(30);
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });
  const trained = await stepCount(page);
  await expect(problem).toBeVisible();
  expect(await savedSteps(page)).toBe(1);
  await expect(page.getByText(/QuotaExceeded|IndexedDB readwrite failed/)).toHaveCount(0);

  // The banner's export is the model in memory, not the one saved.
  const download = page.waitForEvent('download');
  await problem.getByRole('button', { name: 'Export model' }).click();
  expect((await download).suggestedFilename()).toBe(`pixelcnn-${TINY.size}x${TINY.size}-${trained}steps.json`);

  // Room is made (the test lifts the refusal), and a History entry deleted: the model is saved at once, and the banner goes.
  await setStorageFull(page, false);
  const history = page.getByRole('region', { name: 'History', exact: true });
  const entries = await history.getByTestId('checkpoint').count();
  expect(entries).toBeGreaterThan(0);
  await history
    .getByRole('button', { name: /^Delete step/ })
    .first()
    .click();
  await expect(history.getByTestId('checkpoint')).toHaveCount(entries - 1);
  await expect(problem).toHaveCount(0);
  await expect.poll(() => savedSteps(page)).toBe(trained);

  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('model-steps')).toHaveText(trained.toLocaleString('en-US'));
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
});

test('site data cleared while training is noticed: the model in memory is kept, said so, and saved again', async ({ page, context }) => {
  test.setTimeout(300_000);
  await openTinyApp(page);
  await stepOnce(page);
  await expect.poll(() => savedSteps(page)).toBe(1);
  const training = region(page, 'Training');
  await training.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThanOrEqual(10);

  // What "Clear site data" in the browser does, while the engine trains.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(page.url()).origin, storageTypes: 'all' });
  const cleared = await stepCount(page);
  await expect(page.locator('.notices .notice').filter({ hasText: "This site's data was cleared in the browser while the app was open" })).toContainText(
    /The model is still here, at step [\d,]+, and was saved again with your images; the History starts afresh\./,
  );
  // Training went on, and saves go on.
  await expect.poll(() => savedSteps(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(cleared);
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });
  const trained = await stepCount(page);
  await expect.poll(() => savedSteps(page)).toBe(trained);
  await expect(page.locator('.engine-banner')).toHaveCount(0);
  await expect(region(page, 'Training').getByRole('alert')).toHaveCount(0);

  // A reload starts from the model saved again, not from the shipped one.
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('model-steps')).toHaveText(trained.toLocaleString('en-US'));
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
});

test('site data cleared while the model is at rest is noticed within seconds and saved again, so a reload keeps the model', async ({ page, context }) => {
  test.setTimeout(300_000);
  await openTinyApp(page);
  await stepOnce(page);
  await stepOnce(page);
  await expect.poll(() => savedSteps(page)).toBe(2);

  // Cleared while nothing trains and no save is due.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(page.url()).origin, storageTypes: 'all' });
  await expect(page.locator('.notices .notice').filter({ hasText: "This site's data was cleared in the browser while the app was open" })).toContainText(
    'The model is still here, at step 2, and was saved again with your images; the History starts afresh.',
  );
  await expect.poll(() => savedSteps(page)).toBe(2);

  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('model-steps')).toHaveText('2');
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
});
