/**
 * A batch too big for memory: refused before a step is taken, with the memory
 * it would need and a batch size that fits, on Train, on Step and while
 * training runs; the model and the run in progress are untouched.
 */
import { expect, test } from '@playwright/test';
import { readInteger, region, stepCount } from './app-helpers';

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
