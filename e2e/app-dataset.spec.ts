/**
 * Bringing images into the app: a drop of good images, a drop full of
 * awkward files, and a drop of nothing at all.
 */
import { expect, test, type Page } from '@playwright/test';
import { awkwardImportSet, dropFiles, mixedImages } from './helpers';
import { TINY, openTinyApp, readInteger, region, waitForApp } from './app-helpers';

interface CanvasReport {
  width: number;
  height: number;
  opaque: number;
  distinctColours: number;
  /** Of the cells the layout should hold an image in, how many have an opaque centre pixel. */
  filledCells: number;
  dataUrl: string;
}

/**
 * Reads the "Dataset preview" canvas: how much of it is painted, with how
 * many colours, and whether each of the first `cells` grid cells (layout as
 * in DatasetPreview.tsx: up to 8 columns, 4 px gaps, 480 px target width)
 * holds an image.
 */
function readPreview(page: Page, cells: number, size: number): Promise<CanvasReport> {
  return page.getByRole('img', { name: 'Dataset preview' }).evaluate(
    (element, { cells, size }) => {
      const canvas = element as HTMLCanvasElement;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('the preview canvas has no 2d context');
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let opaque = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        opaque++;
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
      const columns = Math.min(cells, 8);
      const gap = 4;
      const scale = Math.max(1, Math.floor((480 - gap * (columns - 1)) / (columns * size)));
      let filledCells = 0;
      for (let c = 0; c < cells; c++) {
        const x = (c % columns) * (size * scale + gap) + Math.floor((size * scale) / 2);
        const y = Math.floor(c / columns) * (size * scale + gap) + Math.floor((size * scale) / 2);
        if (data[(y * canvas.width + x) * 4 + 3] === 255) filledCells++;
      }
      return {
        width: canvas.width,
        height: canvas.height,
        opaque,
        distinctColours: colours.size,
        filledCells,
        dataUrl: canvas.toDataURL(),
      };
    },
    { cells, size },
  );
}

test('dropping a folder of generated images shows the right counts and a preview', async ({ page }) => {
  await openTinyApp(page);
  const images = mixedImages(12, 'my-pictures');
  await dropFiles(page, images);

  const dataset = region(page, 'Dataset');
  await expect(dataset.locator('.dataset-name')).toContainText('12 imported images');
  await expect(dataset.locator('.dataset-name')).toContainText(`${TINY.size}×${TINY.size} grayscale`);
  await expect(page.getByTestId('accepted-count')).toHaveText('12');
  await expect(page.getByTestId('skipped-count')).toHaveText('0');
  await expect(dataset.getByRole('list', { name: 'Skipped files' })).toHaveCount(0);
  const train = await readInteger(page.getByTestId('train-count'));
  const held = await readInteger(page.getByTestId('test-count'));
  expect(train + held, 'every accepted image is in the training or the held-out set').toBe(12);
  expect(held, 'some images are held out').toBeGreaterThan(0);

  // The preview paints every training image (up to 32) as an opaque cell, not one flat colour.
  const preview = await readPreview(page, train, TINY.size);
  expect(preview.width).toBeGreaterThan(0);
  expect(preview.opaque, 'the preview canvas is painted').toBeGreaterThan(0);
  expect(preview.distinctColours, 'the preview shows more than one colour').toBeGreaterThan(1);
  expect(preview.filledCells, 'each training image has a cell in the preview').toBe(train);

  // The browser keeps the dropped images: a reload comes back to them, split the same way.
  await page.reload();
  await waitForApp(page);
  await expect(dataset.locator('.dataset-name')).toContainText('12 imported images');
  await expect(page.getByTestId('train-count')).toHaveText(String(train));
});

test('a drop with broken files lists each with its reason and keeps the good images', async ({ page }) => {
  await openTinyApp(page);
  const { files, good, zipImages } = awkwardImportSet(6);
  const goodCount = good.length + zipImages.length;
  await dropFiles(page, files);

  const dataset = region(page, 'Dataset');
  await expect(dataset.locator('.dataset-name')).toContainText(`${goodCount} imported images`);
  await expect(page.getByTestId('accepted-count')).toHaveText(String(goodCount));
  const train = await readInteger(page.getByTestId('train-count'));
  const held = await readInteger(page.getByTestId('test-count'));
  expect(train + held).toBe(goodCount);

  const skipped = dataset.getByRole('list', { name: 'Skipped files' });
  await expect(skipped).toBeVisible();
  const items = skipped.getByRole('listitem');
  // A synthetic drop has no folder entries, so loose files may arrive under their base names.
  const expected: Array<[string, RegExp]> = [
    ['truncated PNG', /^(folder\/)?broken\.png: corrupt or truncated image/],
    ['zero-byte x.png', /^x\.png: empty file \(0 bytes\)/],
    ['notes.txt', /^notes\.txt: not an image/],
    ['readme.txt inside the zip', /^photos\.zip\/photos\/readme\.txt: not an image/],
  ];
  for (const [what, pattern] of expected) {
    await expect(items.filter({ hasText: pattern }), `${what} is listed with its reason`).toHaveCount(1);
  }
  await expect(items).toHaveCount(expected.length);
  await dataset.screenshot({ path: test.info().outputPath('skipped-files.png') });
  await expect(page.getByTestId('skipped-count')).toHaveText(String(expected.length));
  // macOS clutter inside the zip is ignored silently, not listed.
  await expect(skipped).not.toContainText('__MACOSX');
  await expect(skipped).not.toContainText('.DS_Store');
  // None of the good images is listed as skipped.
  for (const image of [...good, ...zipImages]) {
    const base = image.name.slice(image.name.lastIndexOf('/') + 1);
    await expect(skipped).not.toContainText(base);
  }
});

test('an empty drop says so and changes nothing', async ({ page }) => {
  await openTinyApp(page);
  const dataset = region(page, 'Dataset');
  const before = {
    name: await dataset.locator('.dataset-name').textContent(),
    train: await page.getByTestId('train-count').textContent(),
    held: await page.getByTestId('test-count').textContent(),
    accepted: await page.getByTestId('accepted-count').textContent(),
    skipped: await page.getByTestId('skipped-count').textContent(),
    preview: (await readPreview(page, 1, TINY.size)).dataUrl,
  };

  await dropFiles(page, []);

  await expect(dataset.getByRole('status').filter({ hasText: 'Nothing was dropped.' })).toBeVisible();
  await expect(dataset.getByRole('alert')).toHaveCount(0);
  await expect(dataset.getByRole('progressbar')).toHaveCount(0);
  const after = {
    name: await dataset.locator('.dataset-name').textContent(),
    train: await page.getByTestId('train-count').textContent(),
    held: await page.getByTestId('test-count').textContent(),
    accepted: await page.getByTestId('accepted-count').textContent(),
    skipped: await page.getByTestId('skipped-count').textContent(),
    preview: (await readPreview(page, 1, TINY.size)).dataUrl,
  };
  expect(after).toEqual(before);
  expect(after.name).toContain('MNIST digits (built in)');
});
