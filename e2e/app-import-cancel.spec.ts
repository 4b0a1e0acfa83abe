/**
 * A large import can be cancelled while its images are decoded: decoding
 * stops, nothing of the drop is kept (not even across a reload), and the
 * images in use before it stay in use.
 */
import { expect, test } from '@playwright/test';
import { openTinyApp, region, waitForApp } from './app-helpers';
import { dropFiles, makePng, mixedImages, type FixtureFile } from './helpers';

/** `count` copies of one flat 2048×2048 PNG: a few kB each to hand over, but each takes a while to decode and shrink. */
function largeImages(count: number, folder: string): FixtureFile[] {
  const bytes = makePng(2048, 2048, 'gray', 'solid');
  return Array.from({ length: count }, (_, i) => ({ name: `${folder}/img-${String(i).padStart(4, '0')}.png`, bytes, mimeType: 'image/png' }));
}

test('cancelling an import of 2,000 images keeps the images in use, and stores nothing of the drop', async ({ page }) => {
  await openTinyApp(page);
  const dataset = region(page, 'Dataset');
  const name = dataset.locator('.dataset-name');
  await dropFiles(page, mixedImages(12, 'mine'));
  await expect(name).toContainText('12 imported images');

  await dropFiles(page, largeImages(2000, 'big'));
  await dataset.getByRole('group', { name: 'Add or replace' }).getByRole('button', { name: 'Replace them' }).click();
  const progress = dataset.getByRole('status').filter({ hasText: /^Decoding images: [\d,]+ of 2,000$/ });
  await expect(progress).toBeVisible();
  await dataset.getByRole('button', { name: 'Cancel import', exact: true }).click();

  await expect(dataset.getByRole('alert')).toContainText(
    'The import was cancelled: nothing of it was kept, and the images in use are still the 12 imported images.',
  );
  await expect(progress).toHaveCount(0);
  await expect(dataset.getByRole('button', { name: 'Cancel import', exact: true })).toHaveCount(0);
  await expect(name).toContainText('12 imported images');
  await expect(page.getByTestId('accepted-count')).toHaveText('12');

  // The app is not left busy: another drop imports.
  await dropFiles(page, mixedImages(3, 'after'));
  await dataset.getByRole('group', { name: 'Add or replace' }).getByRole('button', { name: 'Add to them' }).click();
  await expect(name).toContainText('15 imported images');

  // What the browser keeps is the fifteen, not the cancelled drop.
  await page.reload();
  await waitForApp(page);
  await expect(name).toContainText('15 imported images');
});
