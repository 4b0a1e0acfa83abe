/**
 * Watching the model draw, the keyboard shortcuts that start things, and a
 * link whose settings are at their limits.
 */
import { expect, test, type Page } from '@playwright/test';
import { APP_PATH, TINY, blurFocus, openTinyApp, region, stepCount, waitForApp } from './app-helpers';

/** A pixel's state on the Samples canvas: drawn (its grey level), not yet drawn, or neither. */
type Cell = number | 'undrawn' | 'other';

interface Capture {
  canvasWidth: number;
  canvasHeight: number;
  expectedWidth: number;
  expectedHeight: number;
  /** cells[image][y * width + x] */
  cells: Cell[][];
}

/**
 * Reads the "Samples" canvas and maps it back to image pixels, following
 * SampleCanvas.tsx and pixelGrid.ts: images in a grid of ceil(sqrt(count))
 * columns, 8 px gaps, each model pixel a scale × scale square, scale chosen
 * to fit 640 px. Each pixel is read at the centre of its square, clear of
 * the outset marker box around the pixel being drawn. Not-yet-drawn pixels
 * are a checker of two dim blues (sampleChannel.ts); a grayscale model draws
 * greys (R = G = B).
 */
function captureSamples(page: Page, count: number, size: number): Promise<Capture> {
  return page.getByRole('img', { name: 'Samples', exact: true }).evaluate(
    (element, { count, size }) => {
      const canvas = element as HTMLCanvasElement;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('the Samples canvas has no 2d context');
      const columns = Math.max(1, Math.min(count, Math.ceil(Math.sqrt(count))));
      const rows = Math.ceil(count / columns);
      const gap = 8;
      const scale = Math.max(1, Math.floor((640 - gap * (columns - 1)) / (columns * size)));
      const cellSide = size * scale;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const light = [44, 58, 96];
      const dark = [34, 45, 76];
      const cells: Array<Array<number | 'undrawn' | 'other'>> = [];
      for (let image = 0; image < count; image++) {
        const ox = (image % columns) * (cellSide + gap);
        const oy = Math.floor(image / columns) * (cellSide + gap);
        const pixels: Array<number | 'undrawn' | 'other'> = [];
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const cx = ox + x * scale + Math.floor(scale / 2);
            const cy = oy + y * scale + Math.floor(scale / 2);
            const o = (cy * canvas.width + cx) * 4;
            const [r, g, b, a] = [data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!];
            // The checker is laid over the images stacked vertically: row image·size + y.
            const notDrawn = (x + image * size + y) % 2 === 0 ? light : dark;
            if (a === 255 && r === notDrawn[0] && g === notDrawn[1] && b === notDrawn[2]) pixels.push('undrawn');
            else if (a === 255 && r === g && g === b) pixels.push(r);
            else pixels.push('other');
          }
        }
        cells.push(pixels);
      }
      return {
        canvasWidth: canvas.width,
        canvasHeight: canvas.height,
        expectedWidth: columns * cellSide + (columns - 1) * gap,
        expectedHeight: rows * cellSide + (rows - 1) * gap,
        cells,
      };
    },
    { count, size },
  );
}

/**
 * Checks a capture is well-formed and that in every image the drawn pixels
 * are exactly a raster-order prefix, the same length in every image (they
 * are drawn in lockstep); returns that length.
 */
function drawnPrefix(capture: Capture): number {
  expect([capture.canvasWidth, capture.canvasHeight], 'the canvas has the grid layout the test assumes').toEqual([
    capture.expectedWidth,
    capture.expectedHeight,
  ]);
  const lengths = capture.cells.map((pixels, image) => {
    expect(pixels.filter((p) => p === 'other').length, `image ${image}: every pixel is drawn or not-yet-drawn`).toBe(0);
    const drawn = pixels.filter((p) => p !== 'undrawn').length;
    const firstUndrawn = pixels.indexOf('undrawn');
    const prefix = firstUndrawn === -1 ? pixels.length : firstUndrawn;
    expect(drawn, `image ${image}: the drawn pixels are a raster-order prefix`).toBe(prefix);
    return prefix;
  });
  expect(new Set(lengths).size, 'all images are drawn in step').toBe(1);
  return lengths[0]!;
}

/** Captures the canvas until at least `atLeast` pixels are drawn, checking the prefix property every time. */
async function captureWhenDrawn(page: Page, count: number, size: number, atLeast: number): Promise<{ capture: Capture; drawn: number }> {
  let latest: { capture: Capture; drawn: number } | null = null;
  await expect
    .poll(
      async () => {
        const capture = await captureSamples(page, count, size);
        latest = { capture, drawn: drawnPrefix(capture) };
        return latest.drawn;
      },
      { timeout: 60_000, intervals: [100] },
    )
    .toBeGreaterThanOrEqual(atLeast);
  return latest!;
}

test('sampling fills the canvas in generation order', async ({ page }) => {
  await openTinyApp(page);
  const sampling = region(page, 'Sampling');
  const count = Number(await sampling.getByLabel('Images', { exact: true }).inputValue());
  const total = TINY.size * TINY.size;
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Slow motion (200 ms)' });

  // Before sampling, everything is "not yet drawn".
  expect(drawnPrefix(await captureSamples(page, count, TINY.size))).toBe(0);

  await sampling.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(sampling.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled();

  const first = await captureWhenDrawn(page, count, TINY.size, 3);
  const second = await captureWhenDrawn(page, count, TINY.size, first.drawn + 3);
  await page.screenshot({ path: test.info().outputPath('sampling-midway.png') });
  await sampling.getByRole('button', { name: 'Stop', exact: true }).click();
  console.log(`[sampling] drawn ${first.drawn}, then ${second.drawn} of ${total} pixels per image`);

  expect(first.drawn, 'the first capture is mid-way').toBeLessThan(total);
  expect(second.drawn, 'the later capture has strictly more drawn pixels').toBeGreaterThan(first.drawn);
  for (let image = 0; image < count; image++) {
    const before = first.capture.cells[image]!;
    const after = second.capture.cells[image]!;
    const lastBefore = before.map((p, i) => (p === 'undrawn' ? -1 : i)).reduce((a, b) => Math.max(a, b), -1);
    const newlyDrawn = after.map((p, i) => (p !== 'undrawn' && before[i] === 'undrawn' ? i : -1)).filter((i) => i >= 0);
    expect(newlyDrawn.length, `image ${image}: new pixels were drawn`).toBeGreaterThan(0);
    expect(Math.min(...newlyDrawn), `image ${image}: every new pixel comes after all earlier ones`).toBeGreaterThan(lastBefore);
    // A drawn pixel is never redrawn or undrawn.
    for (let i = 0; i <= lastBefore; i++) expect(after[i], `image ${image}, pixel ${i} keeps its value`).toBe(before[i]);
  }

  // Stopping ends the run part-way, and what was drawn stays a prefix.
  await expect(sampling.getByRole('button', { name: 'Sample', exact: true })).toBeEnabled();
  await expect(sampling.locator('.sample-progress')).toContainText('stopped');
  const stopped = drawnPrefix(await captureSamples(page, count, TINY.size));
  expect(stopped).toBeGreaterThanOrEqual(second.drawn);
  expect(stopped).toBeLessThan(total);
});

test('keyboard: Space toggles training and "s" samples, except while typing in a field', async ({ page }) => {
  await openTinyApp(page);
  const training = region(page, 'Training');
  const sampling = region(page, 'Sampling');
  const train = training.getByRole('button', { name: 'Train', exact: true });
  const pause = training.getByRole('button', { name: 'Pause', exact: true });
  const progress = page.getByTestId('sample-progress');
  const field = region(page, 'Model').getByLabel('Image size', { exact: true });
  await expect(progress).toHaveText('Not started');

  // "s" typed in a field does not sample…
  await field.focus();
  await page.keyboard.press('s');
  await expect(field).toBeFocused();

  // …Space elsewhere starts training. Requests reach the engine, and its
  // answers come back, in order: had the "s" above asked for a sample, it
  // would have started before training did.
  await blurFocus(page);
  await page.keyboard.press('Space');
  await expect(pause).toBeEnabled();
  await expect(train).toBeDisabled();
  await expect(progress).toHaveText('Not started');
  await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);

  // Space again pauses.
  await page.keyboard.press('Space');
  await expect(train).toBeEnabled({ timeout: 60_000 });
  await expect(pause).toBeDisabled();
  const steps = await stepCount(page);

  // Space typed in a field does not train…
  await field.focus();
  await page.keyboard.press('Space');
  await expect(field).toBeFocused();

  // …"s" elsewhere samples; had the Space above asked for training, it would have started first.
  await blurFocus(page);
  await page.keyboard.press('s');
  await expect(progress).toHaveText(new RegExp(`^pixel \\d+ of ${TINY.size * TINY.size}$`));
  await expect(train).toBeEnabled();
  await expect(pause).toBeDisabled();
  expect(await stepCount(page)).toBe(steps);
  await expect(sampling.getByRole('button', { name: 'Sample', exact: true })).toBeEnabled({ timeout: 120_000 });
  await expect(sampling.locator('.sample-progress')).toContainText('done');
});

test('a link with every sampling setting at its limits opens as it says: each value is taken, none refused', async ({ page }) => {
  // The limits each setting declares (SAMPLE_SETTINGS): the Sampling panel, the engine and the link all take these.
  const links = [
    { hash: '#model=digits&seed=4294967295&t=2&n=64&draw=rows:6&speed=10000&g=10', seed: '4294967295', temperature: '2', images: '64' },
    { hash: '#model=digits&seed=0&t=0.1&n=1&draw=class:9&speed=0&g=0', seed: '0', temperature: '0.1', images: '1' },
  ];
  const sampling = region(page, 'Sampling');
  for (const link of links) {
    // Opened afresh (a link differing only in its hash would not reload the page).
    await page.goto('about:blank');
    await page.goto(`${APP_PATH}${link.hash}`);
    await waitForApp(page);
    await expect(sampling.getByLabel('Seed', { exact: true })).toHaveValue(link.seed);
    await expect(sampling.getByLabel('Temperature', { exact: true })).toHaveValue(link.temperature);
    await expect(sampling.getByLabel('Images', { exact: true })).toHaveValue(link.images);
    // The page writes the link back from the settings it took: all of them, as they came.
    await expect.poll(() => new URL(page.url()).hash).toBe(link.hash);
    await expect(page.getByText(/the default is used instead/)).toHaveCount(0);
  }
});
