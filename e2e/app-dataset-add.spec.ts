/**
 * A drop onto the user's own images asks whether to add to them or replace them.
 */
import { expect, test } from '@playwright/test';
import { openTinyApp, region } from './app-helpers';
import { dropFiles, mixedImages } from './helpers';

test('a drop onto your own images asks: add to them, replace them, or cancel', async ({ page }) => {
  await openTinyApp(page);
  const dataset = region(page, 'Dataset');
  const name = dataset.locator('.dataset-name');
  // Onto the built-in digits, a drop simply replaces them.
  await dropFiles(page, mixedImages(8, 'first'));
  await expect(name).toContainText('8 imported images');
  const choice = dataset.getByRole('group', { name: 'Add or replace' });
  await expect(choice).toHaveCount(0);

  // Onto your own images: asked, and Add keeps the eight.
  await dropFiles(page, mixedImages(3, 'second'));
  await expect(choice).toContainText('Add these 3 files to the 8 imported images in use, or replace them?');
  await choice.getByRole('button', { name: 'Add to them' }).click();
  await expect(name).toContainText('11 imported images');
  await expect(page.getByTestId('accepted-count')).toHaveText('11');
  await expect(choice).toHaveCount(0);

  // Cancel changes nothing.
  await dropFiles(page, mixedImages(2, 'third'));
  await choice.getByRole('button', { name: 'Cancel' }).click();
  await expect(choice).toHaveCount(0);
  await expect(name).toContainText('11 imported images');

  // Replace puts the drop in their place.
  await dropFiles(page, mixedImages(4, 'fourth'));
  await choice.getByRole('button', { name: 'Replace them' }).click();
  await expect(name).toContainText('4 imported images');
  await expect(page.getByTestId('accepted-count')).toHaveText('4');
});
