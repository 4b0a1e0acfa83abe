/**
 * Classes: the built-in digits' labels drive a conditional model that draws
 * the digit asked for, and dropped folders become a dataset's classes.
 */
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, mixedImages, zipWithNestedFolders } from './helpers';
import { TINY, type TinyConfig, applyModel, openTinyApp, region, waitForApp } from './app-helpers';

/** The tiny model, conditioned on the built-in digits' ten classes. */
const CONDITIONAL: TinyConfig = { ...TINY, classes: 10 };

/** Presses Sample and waits until the grid is fully drawn. */
async function sampleToTheEnd(page: Page): Promise<void> {
  const sampling = region(page, 'Sampling');
  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(sampling.getByText(/· done ·/)).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId('sample-progress')).toHaveText(`pixel ${TINY.size * TINY.size} of ${TINY.size * TINY.size}`);
}

/** The class caption under each sample, in grid order. */
function captions(page: Page): Promise<string[]> {
  return region(page, 'Sampling').getByRole('list', { name: 'Class of each sample' }).getByRole('listitem').allTextContents();
}

test('asking a conditional model for one class draws a grid labelled with that class; one row per class labels the rows', async ({ page }) => {
  await openTinyApp(page, CONDITIONAL);
  await expect(page.getByTestId('model-classes')).toHaveText('Draws the class it is asked for, one of 10: 0, 1, 2, 3, 4, 5, 6, 7, 8 and 9.');
  const dataset = region(page, 'Dataset');
  await expect(dataset.getByRole('list', { name: 'Classes' }).getByRole('listitem')).toHaveCount(10);

  const sampling = region(page, 'Sampling');
  await sampling.getByLabel('Images', { exact: true }).fill('4');
  await sampling.getByLabel('Draw', { exact: true }).selectOption({ label: 'One class' });
  await sampling.getByLabel('Class', { exact: true }).selectOption({ label: '7' });
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await sampleToTheEnd(page);
  expect(await captions(page)).toEqual(['7', '7', '7', '7']);
  await sampling.screenshot({ path: test.info().outputPath('one-class.png') });

  await sampling.getByLabel('Draw', { exact: true }).selectOption({ label: 'One row per class' });
  await sampling.getByLabel('Per class', { exact: true }).fill('2');
  await expect(sampling.getByLabel('Images', { exact: true })).toBeDisabled();
  await sampleToTheEnd(page);
  expect(await captions(page)).toEqual(['0', '0', '1', '1', '2', '2', '3', '3', '4', '4', '5', '5', '6', '6', '7', '7', '8', '8', '9', '9']);
  // Two images per row: the canvas is a tall grid of ten rows.
  const box = await sampling.getByRole('img', { name: 'Samples', exact: true }).boundingBox();
  expect(box!.height, 'ten rows of two are taller than wide').toBeGreaterThan(box!.width);
  await sampling.screenshot({ path: test.info().outputPath('rows-per-class.png') });

  // An unconditional model has no classes to choose.
  await applyModel(page, TINY);
  await expect(sampling.getByLabel('Draw', { exact: true })).toHaveCount(0);
});

test('dropped folders become classes with their counts, and a conditional model is only offered for them', async ({ page }) => {
  await openTinyApp(page);
  const dataset = region(page, 'Dataset');
  const model = region(page, 'Model');
  const classes = dataset.getByRole('list', { name: 'Classes' });
  const classItems = classes.getByRole('listitem');

  // Two top-level folders, as a folder drop of both.
  await dropFiles(page, [...mixedImages(5, 'cats'), ...mixedImages(3, 'dogs')]);
  await expect(dataset.locator('.dataset-name')).toContainText('8 imported images');
  await expect(classItems).toHaveText([/^cats\s*5$/, /^dogs\s*3$/]);
  await expect(model.getByLabel('Condition on classes', { exact: true })).toBeEnabled();
  await expect(model.getByText("draw the class you ask for: the dataset's 2 classes (cats and dogs)")).toBeVisible();
  await dataset.screenshot({ path: test.info().outputPath('folder-classes.png') });

  // A conditional model for them; the browser keeps the classes with the images across a reload.
  await applyModel(page, { ...TINY, classes: 2 });
  await expect(page.getByTestId('model-classes')).toHaveText('Draws the class it is asked for, one of 2: cats and dogs.');
  await page.reload();
  await waitForApp(page);
  await expect(classItems).toHaveText([/^cats\s*5$/, /^dogs\s*3$/]);
  await expect(page.getByTestId('model-classes')).toHaveText('Draws the class it is asked for, one of 2: cats and dogs.');

  // A zip with two top-level folders (inside a wrapper folder): its folders are the classes.
  const { zip } = zipWithNestedFolders();
  await dropFiles(page, [zip]);
  // Onto images of your own, a drop asks whether to add or replace.
  await dataset.getByRole('group', { name: 'Add or replace' }).getByRole('button', { name: 'Replace them' }).click();
  await expect(dataset.locator('.dataset-name')).toContainText('4 imported images');
  await expect(classItems).toHaveText([/^cats\s*2$/, /^dogs\s*2$/]);

  // Loose images have no classes: the panel says so, and conditioning is off and disabled.
  await dropFiles(page, mixedImages(4, ''));
  await dataset.getByRole('group', { name: 'Add or replace' }).getByRole('button', { name: 'Replace them' }).click();
  await expect(dataset.getByTestId('dataset-unlabelled')).toContainText('No classes. The images are not in folders');
  await expect(classes).toHaveCount(0);
  const condition = model.getByLabel('Condition on classes', { exact: true });
  await expect(condition).toBeDisabled();
  await expect(condition).not.toBeChecked();
  // The two-class model cannot train on them, and the Model panel offers one that can.
  await expect(model.getByRole('status').filter({ hasText: "This model is conditioned on 2 classes, but the dataset's images have no classes" })).toBeVisible();
  await region(page, 'Training').getByRole('button', { name: 'Step', exact: true }).click();
  await expect(region(page, 'Training').getByRole('alert')).toContainText('This model is conditioned on 2 classes, so it needs images with classes');
  await model.screenshot({ path: test.info().outputPath('model-unlabelled.png') });
  await model.getByRole('button', { name: 'Rebuild without classes', exact: true }).click();
  const confirm = model.getByRole('group', { name: 'Confirm' }).getByRole('button', { name: /^Discard/ });
  if (await confirm.isVisible()) await confirm.click();
  await expect(model.getByText(/^PixelCNN, 8×8 grayscale.*2 layers of 8 channels, 3×3 kernels$/)).toBeVisible();
});
