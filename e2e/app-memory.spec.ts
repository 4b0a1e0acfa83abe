/**
 * A batch too big for memory: refused before a step is taken, with the memory
 * it would need and a batch size that fits, on Train, on Step and while
 * training runs; the model and the run in progress are untouched. Memory
 * that cannot be had after all ends the engine, which says so and comes back
 * on the last saved model.
 */
import { type Page, type Worker, expect, test } from '@playwright/test';
import { readInteger, region, stepCount } from './app-helpers';

/** The engine's worker: the one the page started without a name (backend-trial workers and training helpers have names). */
async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of [...page.workers()].reverse()) {
    if ((await worker.evaluate(() => self.name).catch(() => null)) === '') return worker;
  }
  throw new Error('The page has no engine worker.');
}

test('a huge batch is refused with the memory it needs, on Train, Step and mid-run, and the model and run go on', async ({ page }) => {
  test.setTimeout(360_000);
  // The shipped 28×28 model on WebAssembly: the batch field allows 256 images, far more than a step of it fits in memory.
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText(/^pretrained/, { timeout: 120_000 });
  const stop = region(page, 'Sampling').getByRole('button', { name: 'Stop', exact: true });
  if (await stop.isEnabled()) await stop.click();
  await expect(stop).toBeDisabled();
  const shippedSteps = await readInteger(page.getByTestId('model-steps'));

  const training = region(page, 'Training');
  const batch = training.getByLabel('Batch size', { exact: true });
  const train = training.getByRole('button', { name: 'Train', exact: true });
  const pause = training.getByRole('button', { name: 'Pause', exact: true });
  const refusal = training.getByRole('alert');
  const needs =
    /^This model needs about [\d.]+ GB to train on batches of 256 \(.+ of weights, .+ of optimizer state and gradients, [\d.]+ GB of activations\), more than the [\d.]+ GB allowed on wasm \(.+\)\. It would fit with a batch size of \d+\./;

  await batch.fill('256');
  await train.click();
  await expect(refusal).toHaveText(needs);
  console.log(`[memory] ${await refusal.textContent()}`);
  await expect(train).toBeEnabled();
  await expect(pause).toBeDisabled();
  await training.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(refusal).toHaveText(needs);
  await expect(page.getByTestId('model-steps')).toHaveText(shippedSteps.toLocaleString('en-US'));

  // A batch that fits trains; a huge one typed in mid-run is refused, and the run goes on at the batch it had.
  await batch.fill('2');
  await train.click();
  await expect(pause).toBeEnabled();
  await expect(refusal).toHaveCount(0);
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThan(shippedSteps);
  await batch.fill('256');
  await expect(refusal).toHaveText(needs);
  const refusedAt = await stepCount(page);
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThan(refusedAt);
  await expect(pause).toBeEnabled();
  await batch.fill('2');
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 180_000 });
  await expect(page.locator('.engine-banner')).toHaveCount(0);
  await expect(page.getByText(/Aborted|out of memory/)).toHaveCount(0);
  expect(await readInteger(page.getByTestId('model-steps'))).toBeGreaterThan(refusedAt);
});

test('memory that cannot be had mid-training is said in plain words, and the engine comes back on the last saved model', async ({ page }) => {
  test.setTimeout(360_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText(/^pretrained/, { timeout: 120_000 });
  const stop = region(page, 'Sampling').getByRole('button', { name: 'Stop', exact: true });
  if (await stop.isEnabled()) await stop.click();
  await expect(stop).toBeDisabled();
  const training = region(page, 'Training');
  const train = training.getByRole('button', { name: 'Train', exact: true });
  const pause = training.getByRole('button', { name: 'Pause', exact: true });
  // One core: the engine computes every batch itself, in its own WebAssembly heap.
  await training.getByLabel('Cores', { exact: true }).fill('1');
  await training.getByLabel('Batch size', { exact: true }).fill('2');
  const shippedSteps = await readInteger(page.getByTestId('model-steps'));
  await train.click();
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThan(shippedSteps + 1);
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 180_000 });
  const saved = await readInteger(page.getByTestId('model-steps'));

  // The browser can give the engine's heap no more memory (the app has no hook for it: its worker's WebAssembly.Memory refuses to grow, as when the
  // system is out of memory); a batch that fits the estimate needs far more heap than batches of 2 did.
  const engine = await engineWorker(page);
  await engine.evaluate(() => {
    WebAssembly.Memory.prototype.grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
  });
  await training.getByLabel('Batch size', { exact: true }).fill('24');
  await train.click();
  const banner = page.locator('.engine-banner');
  await expect(banner).toContainText(/The engine stopped \(the engine ran out of memory.*\) and was restarted on the last saved model\./, { timeout: 180_000 });
  console.log(`[memory] ${await banner.textContent()}`);
  await expect(page.getByText(/Aborted\(|-sASSERTIONS/)).toHaveCount(0);

  // The new engine holds the model as last saved, not training, and trains again at a batch its memory allows.
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-steps')).toHaveText(saved.toLocaleString('en-US'), { timeout: 120_000 });
  await expect(train).toBeEnabled({ timeout: 120_000 });
  await expect(pause).toBeDisabled();
  await training.getByLabel('Batch size', { exact: true }).fill('2');
  await training.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.getByTestId('model-steps')).toHaveText((saved + 1).toLocaleString('en-US'), { timeout: 120_000 });
});
