/**
 * Files named like the failures that end an engine ("out of memory",
 * "device lost") are refused like any other unusable file: the engine goes
 * on, and nothing is restarted or lost.
 */
import { expect, test } from '@playwright/test';
import { expectDatasetGeometry, openTinyApp, region, stepOnce, TINY } from './app-helpers';
import { dropFiles, emptyFile, textFile } from './helpers';

test('a drop of unusable files named "out of memory.png" and "device lost.png" is refused without stopping the engine', async ({ page }) => {
  await openTinyApp(page);
  await stepOnce(page);
  const dataset = region(page, 'Dataset');
  const name = await dataset.locator('.dataset-name').textContent();

  await dropFiles(page, [emptyFile('out of memory.png'), textFile('device lost.png')]);
  await expect(dataset.getByRole('alert')).toContainText('None of the 2 files were usable images');
  await expect(dataset.getByRole('alert')).toContainText('out of memory.png');
  await expect(page.locator('.engine-banner')).toHaveCount(0);
  await expect(dataset.locator('.dataset-name')).toHaveText(name!);
  await expect(page.getByTestId('model-steps')).toHaveText('1');

  // The same engine trains on.
  await expectDatasetGeometry(page, TINY);
  await stepOnce(page);
  await expect(page.locator('.engine-banner')).toHaveCount(0);
});
