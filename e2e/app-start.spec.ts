/**
 * A start that fits dropped images: the Model panel proposes one, says why,
 * and one click puts it in use, ready to train.
 */
import { expect, test } from '@playwright/test';
import { type FixtureFile, type Pattern, dropFiles, encodePng, makePixels } from './helpers';
import { region, stepCount, trainAtLeast } from './app-helpers';

/** Tiny gray images in two class folders: too small for the shipped digits model, so the proposal is a new model at their size. */
function tinyClasses(): FixtureFile[] {
  const files: FixtureFile[] = [];
  const classes: Array<[string, Pattern]> = [
    ['stripes', 'stripes'],
    ['checks', 'checker'],
  ];
  for (const [name, pattern] of classes)
    for (let i = 0; i < 6; i++)
      files.push({ name: `${name}/${i}.png`, bytes: encodePng(8, 8, 'gray', makePixels(8, 8, 'gray', pattern)), mimeType: 'image/png' });
  return files;
}

test('dropping images proposes a start that fits them; taking it rebuilds the model and training starts', async ({ page }) => {
  // WebAssembly, pinned: the proposal's model is small but not tiny, and trains fastest there on a machine without a GPU.
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 120_000 });
  const model = region(page, 'Model');
  await expect(model.getByRole('region', { name: 'Suggested start' })).toHaveCount(0);

  await dropFiles(page, tinyClasses());
  const proposal = model.getByRole('region', { name: 'Suggested start' });
  await expect(proposal).toBeVisible({ timeout: 120_000 });
  await expect(proposal.getByRole('heading')).toHaveText('Suggested start for your images: Train a new 8×8 model');
  await expect(proposal).toContainText('The shipped digits model draws 28×28 images; yours are 8×8');
  await expect(proposal).toContainText('your 2 classes (checks, stripes)');
  await proposal.screenshot({ path: test.info().outputPath('proposal.png') });

  await proposal.getByRole('button', { name: 'Use this start', exact: true }).click();
  await expect(proposal).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText('new (random weights)');
  await expect(page.getByTestId('model-classes')).toHaveText('Draws the class it is asked for, one of 2: checks and stripes.');
  await expect(region(page, 'Dataset').locator('.dataset-name')).toContainText('8×8 grayscale, 256 levels');

  expect(await trainAtLeast(page, 2)).toBeGreaterThanOrEqual(2);
});

test('gray images the size of the digits: the proposal fine-tunes the shipped digits model with their classes, and it trains', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 120_000 });
  const files: FixtureFile[] = [];
  for (const [name, pattern] of [
    ['bars', 'stripes'],
    ['checks', 'checker'],
    ['ramps', 'gradient'],
  ] as Array<[string, Pattern]>)
    for (let i = 0; i < 4; i++)
      files.push({ name: `${name}/${i}.png`, bytes: encodePng(28, 28, 'gray', makePixels(28, 28, 'gray', pattern)), mimeType: 'image/png' });
  await dropFiles(page, files);
  const proposal = region(page, 'Model').getByRole('region', { name: 'Suggested start' });
  await expect(proposal.getByRole('heading')).toHaveText('Suggested start for your images: Fine-tune the shipped digits model', { timeout: 120_000 });
  await expect(proposal).toContainText('your 3 classes (bars, checks, ramps)');
  await proposal.getByRole('button', { name: 'Use this start', exact: true }).click();
  await expect(proposal).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('model-classes')).toHaveText('Draws the class it is asked for, one of 3: bars, checks and ramps.');
  await expect(page.getByText(/Started from the shipped digits model with your classes \(bars, checks and ramps\)/)).toBeVisible();
  const before = await stepCount(page);
  expect(await trainAtLeast(page, before + 1)).toBeGreaterThan(before);
});
