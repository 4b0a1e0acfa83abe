/**
 * Training and the life of the trained weights: the loss falls, the model
 * survives a reload, and an exported file brings back exactly the same model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { TINY, describeTiny, openTinyApp, readNumber, region, savedSteps, setLearningRate, stepOnce, trainAtLeast, waitForApp } from './app-helpers';

/** What the loss chart has plotted, from its data attributes and its raw-loss path. */
async function readChart(page: Page) {
  const chart = page.getByRole('img', { name: 'Training loss chart' });
  const attribute = async (name: string) => Number(await chart.getAttribute(name));
  const path = (await chart.locator('path.line-raw').getAttribute('d')) ?? '';
  // "M52.0,26.8L64.3,31.8…": the y of each plotted point (SVG y grows downwards).
  const ys = [...path.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2]));
  return {
    points: await attribute('data-train-points'),
    first: await attribute('data-train-first'),
    last: await attribute('data-train-last'),
    ys,
  };
}

test('training for some steps lowers the plotted bits/dim', async ({ page }) => {
  await openTinyApp(page);
  await expect(region(page, 'Dataset').locator('.dataset-name')).toContainText('MNIST digits');
  // A brisker learning rate than the default makes the fall unmistakable within 30 steps.
  await setLearningRate(page, '0.003');

  const steps = await trainAtLeast(page, 30);
  expect(steps).toBeGreaterThanOrEqual(30);

  const chart = await readChart(page);
  console.log(`[training] ${chart.points} points plotted, bits/dim ${chart.first.toFixed(3)} → ${chart.last.toFixed(3)}`);
  expect(chart.points, 'one plotted point per step').toBe(steps);
  expect(chart.first).toBeGreaterThan(0);
  expect(chart.first - chart.last, 'the last training bits/dim is clearly below the first').toBeGreaterThan(0.3);
  // The number under "Training bits/dim" is the last plotted one…
  expect(await readNumber(page.getByTestId('train-bpd'))).toBeCloseTo(chart.last, 3);
  // …and the drawn line really goes down: its last point sits lower on screen than its first.
  expect(chart.ys.length).toBe(steps);
  expect(chart.ys.at(-1)!, 'the plotted line ends lower than it starts').toBeGreaterThan(chart.ys[0]! + 20);
  await page.getByRole('region', { name: 'Training' }).screenshot({ path: test.info().outputPath('training.png') });
});

test('reloading the page keeps the trained model', async ({ page }) => {
  await openTinyApp(page);
  await stepOnce(page);
  await stepOnce(page);
  // Step saves to IndexedDB after its evaluation; wait until the saved copy has both steps.
  await expect.poll(() => savedSteps(page)).toBe(2);
  const parameters = await page.getByTestId('parameter-count').textContent();

  await page.reload();
  await waitForApp(page);

  const model = region(page, 'Model');
  await expect(page.getByTestId('model-origin')).toHaveText('restored from this browser');
  await expect(page.getByTestId('model-steps')).toHaveText('2');
  await expect(page.getByTestId('step-count')).toHaveText('2');
  await expect(model.getByText(describeTiny(TINY), { exact: true })).toBeVisible();
  await expect(page.getByTestId('parameter-count')).toHaveText(parameters ?? '');
  // The form shows the restored config too.
  await expect(model.getByLabel('Image size', { exact: true })).toHaveValue(String(TINY.size));
  await expect(model.getByLabel('Colour channels', { exact: true })).toHaveValue('1');
  await expect(model.getByLabel('Levels', { exact: true })).toHaveValue(String(TINY.levels));
  await expect(model.getByLabel('Hidden channels', { exact: true })).toHaveValue(String(TINY.hidden));
  await expect(model.getByLabel('Layers', { exact: true })).toHaveValue(String(TINY.layers));
  await expect(model.getByLabel('Kernel size', { exact: true })).toHaveValue(String(TINY.kernel));
});

/** Chooses `path` through the "Import model" button's file chooser. */
async function importModelFile(page: Page, path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await region(page, 'Model').getByRole('button', { name: 'Import model', exact: true }).click();
  await (await chooser).setFiles(path);
}

test('an exported model imports back with the same held-out bits/dim; a non-model file is refused', async ({ page }, testInfo) => {
  await openTinyApp(page);
  const model = region(page, 'Model');
  await stepOnce(page);
  await stepOnce(page);
  await expect(page.getByTestId('test-bpd')).not.toHaveText('—');
  const heldOut = await readNumber(page.getByTestId('test-bpd'));
  expect(heldOut).toBeGreaterThan(0);

  // Export: the download is a model file with both steps in it.
  const downloading = page.waitForEvent('download');
  await model.getByRole('button', { name: 'Export model', exact: true }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`pixelcnn-${TINY.size}x${TINY.size}-2steps.json`);
  const modelPath = testInfo.outputPath('exported-model.json');
  await download.saveAs(modelPath);
  const file = JSON.parse(readFileSync(modelPath, 'utf8')) as { format: string; meta: { steps: number } };
  expect(file.format).toBe('pixelcnn-studio-model');
  expect(file.meta.steps).toBe(2);

  // Reset: fresh random weights, no history.
  await model.getByRole('button', { name: 'Reset model', exact: true }).click();
  await model
    .getByRole('group', { name: 'Confirm' })
    .getByRole('button', { name: /^Discard/ })
    .click();
  await expect(page.getByTestId('model-steps')).toHaveText('0');
  await expect(page.getByTestId('test-bpd')).toHaveText('—');

  // Import the exported file.
  await importModelFile(page, modelPath);
  await expect(page.getByTestId('model-origin')).toHaveText('imported from a file');
  await expect(page.getByTestId('model-steps')).toHaveText('2');
  await expect(model.getByRole('alert')).toHaveCount(0);

  // Files that are not models are refused with a clear error, and the model stays as it was.
  const textPath = testInfo.outputPath('notes.txt');
  writeFileSync(textPath, 'These are not weights.\n');
  await importModelFile(page, textPath);
  await expect(model.getByRole('alert')).toContainText('“notes.txt” is not a model file');
  await expect(model.getByRole('alert')).toContainText('Nothing was changed.');
  const jsonPath = testInfo.outputPath('random.json');
  writeFileSync(jsonPath, JSON.stringify({ hello: 'world', numbers: [1, 2, 3] }));
  await importModelFile(page, jsonPath);
  await expect(model.getByRole('alert')).toContainText('Could not import “random.json”');
  await expect(model.getByRole('alert')).toContainText('not a PixelCNN model file');
  await expect(page.getByTestId('model-steps')).toHaveText('2');
  await expect(page.getByTestId('model-origin')).toHaveText('imported from a file');

  // A step with a negligible learning rate re-evaluates the held-out images on the imported weights.
  await setLearningRate(page, '1e-9');
  await stepOnce(page);
  await expect(page.getByTestId('test-bpd')).not.toHaveText('—');
  const reimported = await readNumber(page.getByTestId('test-bpd'));
  console.log(`[export/import] held-out bits/dim ${heldOut.toFixed(3)} before export, ${reimported.toFixed(3)} after import`);
  // Shown to 3 decimals; allow one unit in the last place for rounding.
  expect(Math.abs(reimported - heldOut)).toBeLessThanOrEqual(0.0011);
});
