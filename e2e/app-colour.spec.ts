/**
 * The colour icons: choosing the built-in set loads its shipped colour model
 * and starts drawing, and slow motion shows the order inside a pixel: R alone,
 * then R and G, then the full colour. Runs on wasm: the shipped 16×16 RGB
 * model is far too slow on the software GPU.
 */
import { expect, type Page, test } from '@playwright/test';
import { region } from './app-helpers';

/** The current pixel of image 0 as the canvas shows it, read in the same frame as the marker's channel. */
async function markedPixel(page: Page): Promise<{ channel: string; pixel: number; rgb: number[] } | null> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.sample-canvas');
    const { channel = '', pixel = '', scale = '' } = canvas?.dataset ?? {};
    if (!canvas || channel === '' || pixel === '') return null;
    const s = Number(scale);
    const p = Number(pixel);
    const x = (p % 16) * s + Math.floor(s / 2);
    const y = Math.floor(p / 16) * s + Math.floor(s / 2);
    const data = canvas.getContext('2d')?.getImageData(x, y, 1, 1).data;
    return data ? { channel, pixel: p, rgb: [data[0], data[1], data[2]] } : null;
  });
}

test('choosing the colour icons loads their model and draws R, then G, then B in slow motion', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)', { timeout: 120_000 });
  const sampling = region(page, 'Sampling');
  const dataset = region(page, 'Dataset');
  const stop = sampling.getByRole('button', { name: 'Stop', exact: true });
  if (await stop.isEnabled()) await stop.click();

  await sampling.getByLabel('Speed').selectOption({ label: 'Slow motion (200 ms)' });
  await dataset.getByRole('group', { name: 'Built-in datasets' }).getByRole('button', { name: 'Colour icons' }).click();

  // Its own model, shipped with the app, and its images.
  await expect(dataset.locator('.dataset-name')).toContainText('Colour icons (built in)', { timeout: 60_000 });
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)');
  await expect(region(page, 'Model')).toContainText('16×16 RGB');
  await expect(page.getByTestId('colour-order')).toContainText('red first');
  await expect(dataset.getByRole('button', { name: 'Colour icons' })).toHaveAttribute('aria-pressed', 'true');

  // Drawing starts by itself; catch a pixel with only R drawn (the marker on G), and one with R and G (on B).
  const seen = new Map<string, number[]>();
  await expect
    .poll(
      async () => {
        const now = await markedPixel(page);
        if (now && (now.channel === 'G' || now.channel === 'B') && !seen.has(now.channel)) {
          seen.set(now.channel, now.rgb);
          if (now.channel === 'G') await sampling.screenshot({ path: test.info().outputPath('colour-red-only.png') });
        }
        return [...seen.keys()].sort().join('');
      },
      { timeout: 120_000, intervals: [50] },
    )
    .toBe('BG');
  // Only R drawn: no green or blue yet. R and G drawn: no blue yet.
  expect(seen.get('G')!.slice(1)).toEqual([0, 0]);
  expect(seen.get('B')![2]).toBe(0);

  // The choice is remembered: a reload comes back to the icons and their model.
  await stop.click();
  await page.reload();
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)', { timeout: 120_000 });
  await expect(dataset.locator('.dataset-name')).toContainText('Colour icons (built in)', { timeout: 60_000 });
  await expect(region(page, 'Model')).toContainText('16×16 RGB');
});
