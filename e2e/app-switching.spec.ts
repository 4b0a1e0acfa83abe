/**
 * Switching built-in sets back and forth as fast as the panel lets a user,
 * while a model trains and a grid draws: the last choice wins, nothing is
 * stuck or failed, every control works after, and the engine holds as many
 * tensors as before.
 */
import { type Page, type Worker, expect, test } from '@playwright/test';
import { TINY, describeTiny, expectDatasetGeometry, openTinyApp, region, stepCount, stepOnce } from './app-helpers';

/** The engine's worker: the one the page started without a name (backend-trial workers and training helpers have names). */
async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of [...page.workers()].reverse()) {
    if ((await worker.evaluate(() => self.name).catch(() => null)) === '') return worker;
  }
  throw new Error('The page has no engine worker.');
}

/** Tensors alive in the engine's tfjs (tfjs keeps its engine on the global object). */
function tensorCount(engine: Worker): Promise<number> {
  return engine.evaluate(() => (self as unknown as { _tfengine: { state: { numTensors: number } } })._tfengine.state.numTensors);
}

test('digits ↔ icons switched rapidly while training and sampling: the last choice wins, no error, controls usable, tensors flat', async ({ page }) => {
  test.setTimeout(300_000);
  await openTinyApp(page);
  await stepOnce(page);
  const dataset = region(page, 'Dataset');
  const training = region(page, 'Training');
  const sampling = region(page, 'Sampling');
  const sample = sampling.getByRole('button', { name: 'Sample', exact: true });
  const stop = sampling.getByRole('button', { name: 'Stop', exact: true });
  const train = training.getByRole('button', { name: 'Train', exact: true });
  const pause = training.getByRole('button', { name: 'Pause', exact: true });
  const digits = dataset.getByRole('button', { name: 'Digits', exact: true });
  const icons = dataset.getByRole('button', { name: 'Colour icons', exact: true });
  const engine = await engineWorker(page);

  // The tensors of a model that has trained and drawn, at rest.
  await train.click();
  await expect.poll(() => stepCount(page), { timeout: 150_000 }).toBeGreaterThanOrEqual(3);
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 120_000 });
  await sample.click();
  await expect(sample).toBeEnabled({ timeout: 120_000 });
  const before = await tensorCount(engine);
  console.log(`[switching] ${before} tensors at rest before switching`);

  // Training and drawing, then the sets switched back and forth, the model kept, as fast as the buttons come back.
  await train.click();
  await expect(pause).toBeEnabled();
  await sample.click();
  const switches: Array<'Digits' | 'Colour icons'> = ['Colour icons', 'Digits', 'Colour icons', 'Digits', 'Colour icons', 'Digits', 'Colour icons'];
  for (const title of switches) {
    await (title === 'Digits' ? digits : icons).click();
    await dataset.getByRole('button', { name: 'Keep my model', exact: true }).click();
    if (await sample.isEnabled()) await sample.click();
  }

  // The last choice is in use, fitted to the model; training still runs, and nothing failed.
  await expect(icons).toHaveAttribute('aria-pressed', 'true');
  await expect(digits).toHaveAttribute('aria-pressed', 'false');
  await expect(dataset.locator('.dataset-name strong')).toContainText(/icons/i);
  await expectDatasetGeometry(page, TINY);
  await expect(region(page, 'Model').getByText(describeTiny(TINY), { exact: true })).toBeVisible();
  const running = await stepCount(page);
  await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThan(running);
  await expect(pause).toBeEnabled();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.locator('.engine-banner')).toHaveCount(0);

  // Every control answers: pause, a grid drawn to the end, a step, and a switch back.
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 120_000 });
  if (await stop.isEnabled()) await stop.click();
  await expect(sample).toBeEnabled({ timeout: 120_000 });
  await sample.click();
  await expect(page.getByTestId('sample-progress')).toHaveText(`pixel ${TINY.size * TINY.size} of ${TINY.size * TINY.size}`, { timeout: 120_000 });
  await expect(sample).toBeEnabled();
  await stepOnce(page);
  await expect(digits).toBeEnabled();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // At rest again, the engine holds the tensors it held before.
  const after = await tensorCount(engine);
  console.log(`[switching] ${after} tensors at rest after switching`);
  await expect.poll(() => tensorCount(engine)).toBe(before);
});

test('digits ↔ icons with their shipped models, switched rapidly while training (wasm) and drawing: the last choice wins, no error, tensors flat', async ({
  page,
}) => {
  test.setTimeout(420_000);
  // The shipped models are 28×28 and 32×32: they train at a usable speed only on WebAssembly.
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText(/^pretrained/, { timeout: 120_000 });
  const dataset = region(page, 'Dataset');
  const training = region(page, 'Training');
  const sampling = region(page, 'Sampling');
  const sample = sampling.getByRole('button', { name: 'Sample', exact: true });
  const stop = sampling.getByRole('button', { name: 'Stop', exact: true });
  const train = training.getByRole('button', { name: 'Train', exact: true });
  const pause = training.getByRole('button', { name: 'Pause', exact: true });
  const digits = dataset.getByRole('button', { name: 'Digits', exact: true });
  const icons = dataset.getByRole('button', { name: 'Colour icons', exact: true });
  const loadWithModel = dataset.getByRole('button', { name: /^Load the .* and their model$/ });
  await training.getByLabel('Batch size', { exact: true }).fill('2');
  const engine = await engineWorker(page);
  const modelTitle = page.getByTestId('model-origin');

  // The shipped digits model at rest, once it has drawn its first grid and trained a step (the optimizer's state is made then).
  await expect(sample).toBeEnabled({ timeout: 180_000 });
  const shippedSteps = await stepCount(page);
  await train.click();
  await expect.poll(() => stepCount(page), { timeout: 180_000 }).toBeGreaterThan(shippedSteps);
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 180_000 });
  const before = await tensorCount(engine);
  console.log(`[switching] ${before} tensors at rest on the shipped digits model, trained`);

  // Each switch brings the set's shipped model (asking first when the model in use has trained), starts its grid, and training is started again at once.
  await train.click();
  await expect(pause).toBeEnabled();
  const switches: Array<'Digits' | 'Colour icons'> = ['Colour icons', 'Digits', 'Colour icons', 'Digits', 'Colour icons', 'Digits'];
  for (const title of switches) {
    await (title === 'Digits' ? digits : icons).click();
    if (await loadWithModel.isVisible()) await loadWithModel.click();
    await train.click();
  }

  // The last choice is in use with its model; training runs on it; nothing failed.
  await expect(digits).toHaveAttribute('aria-pressed', 'true');
  await expect(icons).toHaveAttribute('aria-pressed', 'false');
  await expect(dataset.locator('.dataset-name')).toContainText('28×28 grayscale, 256 levels');
  await expect(modelTitle).toHaveText(/^pretrained/);
  await expect(pause).toBeEnabled();
  // It has trained since the last switch (the optimizer's state is made then), and goes on.
  const running = await stepCount(page);
  await expect.poll(() => stepCount(page), { timeout: 180_000 }).toBeGreaterThan(running);
  await expect.poll(() => stepCount(page), { timeout: 180_000 }).toBeGreaterThan(running + 1);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.locator('.engine-banner')).toHaveCount(0);

  // Every control answers, and at rest the engine holds what it held before on the same architecture.
  await pause.click();
  await expect(train).toBeEnabled({ timeout: 180_000 });
  if (await stop.isEnabled()) await stop.click();
  await expect(sample).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  const after = await tensorCount(engine);
  console.log(`[switching] ${after} tensors at rest after switching`);
  await expect.poll(() => tensorCount(engine)).toBe(before);
});
