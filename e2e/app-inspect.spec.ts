/**
 * Looking inside the model: the belief chart while a grid is drawn, a
 * pixel's distributions and receptive field after it is drawn (by mouse and
 * by keyboard), and the held-out images ranked from typical to unusual.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { TINY, openTinyApp, region, stepCount } from './app-helpers';

/** Clicks pixel (row, col) of image `image` of the sample grid (SampleCanvas's layout: near-square grid, 8 px gaps, fit to 640 px). */
async function clickSamplePixel(page: Page, image: number, row: number, col: number, count: number, size: number): Promise<void> {
  const canvas = page.getByRole('img', { name: 'Samples', exact: true });
  const position = await canvas.evaluate(
    (element, { image, row, col, count, size }) => {
      const c = element as HTMLCanvasElement;
      const columns = Math.max(1, Math.min(count, Math.ceil(Math.sqrt(count))));
      const gap = 8;
      const scale = Math.max(1, Math.floor((640 - gap * (columns - 1)) / (columns * size)));
      const x = (image % columns) * (size * scale + gap) + (col + 0.5) * scale;
      const y = Math.floor(image / columns) * (size * scale + gap) + (row + 0.5) * scale;
      const rect = c.getBoundingClientRect();
      return { x: (x * rect.width) / c.width, y: (y * rect.height) / c.height };
    },
    { image, row, col, count, size },
  );
  await canvas.click({ position });
}

/** How many pixels of a map canvas are shaded as "depends on" (the warm field colour, InspectView.tsx). */
function shadedCells(map: Locator): Promise<number> {
  return map.evaluate((element) => {
    const c = element as HTMLCanvasElement;
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let warm = 0;
    for (let o = 0; o < data.length; o += 4) if (data[o]! > 150 && data[o + 1]! > 90 && data[o + 2]! < 90) warm++;
    return warm;
  });
}

test('the belief chart follows the drawing; a drawn pixel shows its distribution and what it could see, by mouse and keyboard', async ({ page }) => {
  await openTinyApp(page, TINY);
  const sampling = region(page, 'Sampling');
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Slow motion (200 ms)' });
  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();

  const live = sampling.getByTestId('live-belief');
  await expect(live).toBeVisible();
  const first = await live.getAttribute('data-pixel');
  // The chart moves on with the drawing: another pixel, another distribution.
  await expect.poll(() => live.getAttribute('data-pixel')).not.toBe(first);
  await expect(live.getByTestId('belief-chart').first().getByRole('img')).toHaveAttribute('aria-label', /drawn level \d+/);

  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await expect(sampling.getByTestId('sample-progress')).toHaveText(`pixel ${TINY.size ** 2} of ${TINY.size ** 2}`);
  await expect(sampling.getByRole('button', { name: 'Sample', exact: true })).toBeEnabled();

  await clickSamplePixel(page, 0, 5, 3, 16, TINY.size);
  const view = sampling.getByTestId('inspect-sample');
  await expect(view).toContainText('row 5, column 3');
  await expect(view.getByTestId('belief-chart').first().getByRole('img')).toHaveAttribute('aria-label', /drawn level \d+ of 0 to 15/);
  const field = view.getByTestId('inspect-field');
  await expect(field).toBeVisible();
  await expect.poll(() => shadedCells(field)).toBeGreaterThan(0);
  // A plain PixelCNN: the note explains its blind spot, and the gated stacks are shown beside it.
  await expect(view.getByTestId('blind-spot-note')).toContainText('blind spot');
  await expect(view.getByTestId('inspect-field-compare')).toBeVisible();
  await expect(view.getByText(/untrained Gated PixelCNN/)).toBeVisible();

  // The arrow keys move the chosen pixel.
  const image = view.getByRole('img', { name: /^sample 1, row 5, column 3/i });
  await image.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(view).toContainText('row 5, column 2');
  await page.keyboard.press('ArrowUp');
  await expect(view.getByRole('img', { name: /^sample 1, row 4, column 2/i })).toBeVisible();
  await expect(view.getByTestId('belief-chart').first().getByRole('img')).toHaveAttribute('aria-label', /drawn level/);
  // On the grid itself too: the arrow keys move the chosen pixel, ] goes to the next image.
  await page.getByRole('img', { name: 'Samples', exact: true }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(view.getByRole('img', { name: /^sample 1, row 4, column 3/i })).toBeVisible();
  await page.keyboard.press(']');
  await expect(view.getByRole('img', { name: /^sample 2, row 4, column 3/i })).toBeVisible();
  await page.screenshot({ path: 'test-results/inspect-sample.png', fullPage: true });
});

test('while the model trains, the held-out images are ranked from typical to unusual, and one shows where its bits went', async ({ page }) => {
  test.setTimeout(300_000);
  await openTinyApp(page, TINY);
  const training = region(page, 'Training');
  await training.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => stepCount(page)).toBeGreaterThanOrEqual(1);
  const dataset = region(page, 'Dataset');
  await dataset.getByRole('button', { name: 'Rank held-out images' }).click();
  const strip = dataset.getByTestId('typical-strip');
  // Training and ranking share the engine: on a software GPU both are slow.
  await expect(strip).toBeVisible({ timeout: 170_000 });
  // Training went on beside the ranking.
  const rankedAt = Number((await strip.textContent())!.match(/scored at step (\d+)/)![1]);
  expect(rankedAt).toBeGreaterThanOrEqual(1);
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });
  const typical = strip.getByRole('list', { name: 'Most typical' }).getByRole('button');
  const unusual = strip.getByRole('list', { name: 'Most unusual' }).getByRole('button');
  await expect(typical).toHaveCount(6);
  await expect(unusual).toHaveCount(6);
  const bits = async (button: Locator) => Number((await button.getAttribute('aria-label'))!.match(/([\d.]+) bits\/dim/)![1]);
  expect(await bits(typical.first())).toBeLessThanOrEqual(await bits(unusual.first()));

  await unusual.first().click();
  const view = dataset.getByTestId('inspect-test');
  await expect(view.getByTestId('inspect-bpd')).toHaveText(/\d+\.\d{3} bits\/dim/);
  await expect(view.getByTestId('inspect-surprise')).toBeVisible();
  await page.screenshot({ path: 'test-results/inspect-heldout.png', fullPage: true });
});

test('a colour model shows R, G and B side by side: three distributions, three receptive-field and surprise maps', async ({ page }) => {
  const rgb = { ...TINY, rgb: true, hidden: 9 };
  await openTinyApp(page, rgb);
  const sampling = region(page, 'Sampling');
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await sampling.getByLabel('Images', { exact: true }).fill('4');
  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(sampling.getByTestId('sample-progress')).toHaveText(`pixel ${rgb.size ** 2} of ${rgb.size ** 2}`);
  await expect(sampling.getByRole('button', { name: 'Sample', exact: true })).toBeEnabled();

  await clickSamplePixel(page, 1, 4, 4, 4, rgb.size);
  const view = sampling.getByTestId('inspect-sample');
  await expect(view).toContainText('row 4, column 4');
  const charts = view.getByTestId('belief-chart');
  await expect(charts).toHaveCount(3);
  for (const [i, name] of ['R', 'G', 'B'].entries())
    await expect(charts.nth(i).getByRole('img')).toHaveAttribute('aria-label', new RegExp(`^${name}: drawn level \\d+`));
  await expect(view.getByTestId('inspect-field')).toHaveCount(3);
  await expect.poll(() => shadedCells(view.getByTestId('inspect-field').first())).toBeGreaterThan(0);
  await view.getByRole('radio', { name: 'What surprised it' }).check();
  await expect(view.getByTestId('inspect-surprise')).toHaveCount(3);
  await page.screenshot({ path: 'test-results/inspect-rgb.png', fullPage: true });
});
