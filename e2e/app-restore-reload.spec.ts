/**
 * Going back to a checkpoint is atomic across a reload: a page reloaded at
 * any write of the restore finds either the model it had or the one it went
 * back to, never a broken or empty one, and the app works on it.
 */
import { type Page, type Worker, expect, test } from '@playwright/test';
import { TINY, describeTiny, openTinyApp, region, savedSteps, stepOnce, waitForApp } from './app-helpers';

/** The engine's worker: the one the page started without a name (backend-trial workers and training helpers have names). */
async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of [...page.workers()].reverse()) {
    if ((await worker.evaluate(() => self.name).catch(() => null)) === '') return worker;
  }
  throw new Error('The page has no engine worker.');
}

/** The writes of a restore, in order: the current weights join the history (weights, then index), then the restored model is saved. */
type WritePoint = 'checkpoint weights' | 'checkpoint index' | 'saved model';

/**
 * Holds the engine at one write of the restore, from inside its worker (the
 * app has no hook for it): when IndexedDB is asked to `put` that record, the
 * worker tells the page (a BroadcastChannel) and spins, so the write is
 * requested but never committed, until the page reloads and ends the worker.
 */
async function holdEngineAt(page: Page, point: WritePoint): Promise<void> {
  await page.evaluate(() => {
    const scope = window as unknown as { heldAt?: string };
    delete scope.heldAt;
    new BroadcastChannel('restore-reload-test').onmessage = (event: MessageEvent<string>) => {
      scope.heldAt = event.data;
    };
  });
  const engine = await engineWorker(page);
  await engine.evaluate((at) => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const request = put.call(this, value, key);
      const name = String(key);
      const hit =
        at === 'checkpoint weights'
          ? this.name === 'checkpoints' && name.startsWith('model:')
          : at === 'checkpoint index'
            ? this.name === 'checkpoints' && name === 'index'
            : this.name === 'models' && name === 'current';
      if (hit) {
        IDBObjectStore.prototype.put = put;
        new BroadcastChannel('restore-reload-test').postMessage(at);
        const until = Date.now() + 170_000;
        while (Date.now() < until) {
          // Held here, the write requested and not committed, until the reload ends this worker.
        }
      }
      return request;
    };
  }, point);
}

test('a reload at any write of a checkpoint restore finds the old model or the restored one, never a broken or empty one', async ({ page }) => {
  test.setTimeout(420_000);
  await openTinyApp(page);
  await stepOnce(page);
  await stepOnce(page);
  await stepOnce(page);
  // Reset leaves the 3-step weights in the history and saves a fresh model (0 steps) in their place.
  const model = region(page, 'Model');
  await model.getByRole('button', { name: 'Reset model', exact: true }).click();
  await model
    .getByRole('group', { name: 'Confirm' })
    .getByRole('button', { name: /^Discard/ })
    .click();
  await expect(page.getByTestId('model-steps')).toHaveText('0');
  await expect.poll(() => savedSteps(page)).toBe(0);
  const history = page.getByRole('region', { name: 'History', exact: true });
  const goBack = history.getByRole('button', { name: 'Go back to step 3', exact: true });

  /** After a reload: the app is whole, on `steps`, and still goes back to step 3 (and trains). */
  const expectWhole = async (steps: number) => {
    await waitForApp(page);
    await expect(page.getByTestId('model-steps')).toHaveText(String(steps));
    await expect(model.getByText(describeTiny(TINY), { exact: true })).toBeVisible();
    expect(await savedSteps(page)).toBe(steps);
    await expect(goBack.first()).toBeEnabled();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.locator('.engine-banner')).toHaveCount(0);
  };

  // Reloaded while each write of the restore is under way: the model from before the restore is the one saved.
  for (const point of ['checkpoint weights', 'checkpoint index', 'saved model'] as const) {
    await holdEngineAt(page, point);
    await goBack.first().click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { heldAt?: string }).heldAt), { timeout: 120_000 }).toBe(point);
    await page.reload();
    console.log(`[restore] reloaded at the ${point}`);
    await expectWhole(0);
  }

  // Reloaded once the restore has ended: the restored model.
  await goBack.first().click();
  await expect(page.getByTestId('model-steps')).toHaveText('3');
  await expect.poll(() => savedSteps(page)).toBe(3);
  await page.reload();
  await expectWhole(3);
  await stepOnce(page);
  await expect.poll(() => savedSteps(page)).toBe(4);
});
