/**
 * Complete what you draw, and take it with you: a stroke drawn on the pad is
 * kept and completed; the PNG and the animation download and decode; a link
 * with sampling settings draws the same first image again.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Download, type Page } from '@playwright/test';
import { APP_PATH, TINY, openTinyApp, region, waitForApp } from './app-helpers';

/** Cells of the Samples canvas in a completion: `count` images in one row (CompletionPanel asks for one row). */
function readRow(page: Page, count: number, size: number): Promise<Array<Array<number | 'undrawn' | 'other'>>> {
  return samplesCanvas(page).evaluate(
    (element, { count, size }) => {
      const canvas = element as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const gap = 8;
      // SampleCanvas.tsx: 640 px target width, 8 px gaps, a whole-number scale.
      const scale = Math.max(1, Math.floor((640 - gap * (count - 1)) / (count * size)));
      if (canvas.width !== count * size * scale + (count - 1) * gap) throw new Error(`unexpected canvas width ${canvas.width}`);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const light = [44, 58, 96];
      const dark = [34, 45, 76];
      return Array.from({ length: count }, (_, image) => {
        const cells: Array<number | 'undrawn' | 'other'> = [];
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const cx = image * (size * scale + gap) + x * scale + Math.floor(scale / 2);
            const cy = y * scale + Math.floor(scale / 2);
            const o = (cy * canvas.width + cx) * 4;
            const [r, g, b] = [data[o], data[o + 1], data[o + 2]];
            const checker = (x + image * size + y) % 2 === 0 ? light : dark;
            if (r === checker[0] && g === checker[1] && b === checker[2]) cells.push('undrawn');
            else if (r === g && g === b) cells.push(r);
            else cells.push('other');
          }
        }
        return cells;
      });
    },
    { count, size },
  );
}

/** The Samples grid's canvas. */
const samplesCanvas = (page: Page) => page.locator('canvas.sample-canvas');

/** A pad cell's centre, in viewport coordinates (the pad scrolled into view). */
async function padPoint(page: Page, row: number, col: number, size: number): Promise<{ x: number; y: number }> {
  await page.getByTestId('drawing-pad').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('drawing-pad').boundingBox())!;
  return { x: box.x + ((col + 0.5) * box.width) / size, y: box.y + ((row + 0.5) * box.height) / size };
}

async function downloadBytes(download: Download): Promise<Buffer> {
  return readFile((await download.path())!);
}

/** Decodes image bytes in the page: its size, and for an animation its frame count (WebCodecs' ImageDecoder). */
function decodeInPage(page: Page, bytes: Buffer, type: string): Promise<{ width: number; height: number; frames: number }> {
  return page.evaluate(
    async ({ base64, type }) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([data], { type }));
      let frames = 1;
      if ('ImageDecoder' in window) {
        const Decoder = (
          window as unknown as {
            ImageDecoder: new (init: { data: Uint8Array; type: string }) => { tracks: { ready: Promise<void>; selectedTrack: { frameCount: number } | null } };
          }
        ).ImageDecoder;
        const decoder = new Decoder({ data, type });
        await decoder.tracks.ready;
        frames = decoder.tracks.selectedTrack?.frameCount ?? 1;
      }
      return { width: bitmap.width, height: bitmap.height, frames };
    },
    { base64: bytes.toString('base64'), type },
  );
}

test('a stroke drawn on the pad is kept and completed side by side; the grid downloads as a PNG and the run as a GIF', async ({ page }) => {
  await openTinyApp(page);
  const sampling = region(page, 'Sampling');
  const size = TINY.size;
  const pad = page.getByTestId('drawing-pad');
  await expect(pad).toBeVisible();
  // Stop the first visit's drawing, if any, so Complete is free.
  const stop = sampling.getByRole('button', { name: 'Stop', exact: true });
  if (await stop.isEnabled()) await stop.click();

  // A mouse stroke along row 1, from column 1 to 6, in white (the first ink).
  const from = await padPoint(page, 1, 1, size);
  const to = await padPoint(page, 1, 6, size);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
  // The keyboard: the cursor is where the stroke ended (row 1, column 6); three left, one down, Space paints.
  await pad.focus();
  for (const key of ['ArrowLeft', 'ArrowLeft', 'ArrowLeft', 'ArrowDown']) await pad.press(key);
  await pad.press('Space');
  await expect(sampling.getByText('Row 3, column 4: grey 255, kept.')).toBeAttached();
  // The eraser (for fingers, which have no right button) takes the stroke's last pixel back to the background.
  await sampling.getByRole('radio', { name: 'Eraser', exact: true }).click();
  const end = await padPoint(page, 1, 6, size);
  await page.mouse.click(end.x, end.y);

  await expect(pad).toHaveAttribute('data-keep-rows', String(size / 2));
  await sampling.getByLabel('Completions', { exact: true }).selectOption('4');
  await sampling.getByRole('button', { name: 'Complete drawing', exact: true }).click();
  await expect(sampling.locator('.sample-progress')).toContainText('done', { timeout: 120_000 });
  await expect(page.getByTestId('sample-progress')).toHaveText(`pixel ${size * size} of ${size * size}`);

  const images = await readRow(page, 4, size);
  const keep = size / 2;
  const painted = new Set(['1,1', '1,2', '1,3', '1,4', '1,5', '2,3']);
  for (const cells of images) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const cell = cells[y * size + x];
        if (y < keep) expect(cell, `kept pixel ${y},${x}`).toBe(painted.has(`${y},${x}`) ? 255 : 0);
        else expect(typeof cell, `completed pixel ${y},${x}`).toBe('number');
      }
    }
  }
  await page.screenshot({ path: test.info().outputPath('completion.png') });

  // The grid as a PNG: the signature, the size of the grid on screen, and the browser decodes it.
  const canvasSize = await samplesCanvas(page).evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), sampling.getByRole('button', { name: 'Download PNG', exact: true }).click()]);
  expect(pngDownload.suggestedFilename()).toMatch(/^pixelcnn-samples-seed\d+\.png$/);
  const png = await downloadBytes(pngDownload);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual(canvasSize);
  const decodedPng = await decodeInPage(page, png, 'image/png');
  expect([decodedPng.width, decodedPng.height]).toEqual(canvasSize);

  // The run as an animated GIF: the signature, a loop, several frames, and the browser decodes it.
  const [gifDownload] = await Promise.all([
    page.waitForEvent('download'),
    sampling.getByRole('button', { name: 'Download animation (GIF)', exact: true }).click(),
  ]);
  expect(gifDownload.suggestedFilename()).toMatch(/^pixelcnn-samples-seed\d+\.gif$/);
  const gif = await downloadBytes(gifDownload);
  expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
  expect(gif.includes(Buffer.from('NETSCAPE2.0', 'latin1'))).toBe(true);
  const [gifWidth, gifHeight] = [gif.readUInt16LE(6), gif.readUInt16LE(8)];
  const decodedGif = await decodeInPage(page, gif, 'image/gif');
  expect([decodedGif.width, decodedGif.height]).toEqual([gifWidth, gifHeight]);
  // Four 8×8 images in one row, each pixel a whole number of GIF pixels.
  expect(gifWidth).toBeGreaterThanOrEqual(4 * size);
  expect(decodedGif.frames).toBeGreaterThan(1);
});

test('a link with sampling settings and the built-in model draws the same first image again', async ({ page, browser }) => {
  const link = `${APP_PATH}#model=digits&seed=4242&t=1&n=2&draw=class:7&speed=0`;
  /** Opens the link in `tab`, waits for the drawing the link starts, and returns the grid's pixels. */
  const drawFromLink = async (tab: Page) => {
    await tab.goto(link);
    await waitForApp(tab);
    const sampling = region(tab, 'Sampling');
    await expect(sampling.getByLabel('Seed', { exact: true })).toHaveValue('4242');
    await expect(sampling.locator('.sample-progress')).toContainText('done', { timeout: 150_000 });
    await expect(tab.getByTestId('sample-progress')).toHaveText('pixel 784 of 784');
    await expect(sampling.getByRole('list', { name: 'Class of each sample' }).getByRole('listitem')).toHaveText(['7', '7']);
    // The hash still says what drew these images.
    expect(new URL(tab.url()).hash).toBe('#model=digits&seed=4242&t=1&n=2&draw=class:7&speed=0');
    return samplesCanvas(tab).evaluate((c) => (c as HTMLCanvasElement).toDataURL('image/png'));
  };

  const first = await drawFromLink(page);
  // A fresh browser profile: nothing saved, nothing shared but the link.
  const other = await browser.newContext();
  try {
    const second = await drawFromLink(await other.newPage());
    expect(second).toBe(first);
  } finally {
    await other.close();
  }
});

test('a colour model completes a drawing in the palette, its kept pixels quantised as dataset pixels are', async ({ page }) => {
  const config = { ...TINY, rgb: true, hidden: 9 };
  await openTinyApp(page, config);
  const sampling = region(page, 'Sampling');
  const size = config.size;
  const stop = sampling.getByRole('button', { name: 'Stop', exact: true });
  if (await stop.isEnabled()) await stop.click();
  await expect(sampling.getByRole('radiogroup', { name: 'Ink' }).getByRole('radio')).toHaveCount(13);
  await sampling.getByRole('radio', { name: 'Red', exact: true }).click();
  const pad = page.getByTestId('drawing-pad');
  await pad.focus();
  // Shift + arrows paint as the cursor moves: row 0, columns 0 to 3.
  await pad.press('Space');
  for (let i = 0; i < 3; i++) await pad.press('Shift+ArrowRight');
  await sampling.getByLabel('Completions', { exact: true }).selectOption('2');
  await sampling.getByRole('button', { name: 'Complete drawing', exact: true }).click();
  await expect(sampling.locator('.sample-progress')).toContainText('done', { timeout: 120_000 });

  // Red (220, 40, 50) at 16 levels is levels (13, 2, 3), shown as bytes (221, 34, 51).
  const kept = await samplesCanvas(page).evaluate(
    (element, { size }) => {
      const canvas = element as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const scale = Math.floor((640 - 8) / (2 * size));
      const pixel = (image: number, y: number, x: number) => {
        const cx = image * (size * scale + 8) + x * scale + Math.floor(scale / 2);
        const cy = y * scale + Math.floor(scale / 2);
        return Array.from(ctx.getImageData(cx, cy, 1, 1).data.slice(0, 3));
      };
      return [0, 1].map((image) => [pixel(image, 0, 0), pixel(image, 0, 3), pixel(image, 0, 4), pixel(image, 1, 0)]);
    },
    { size },
  );
  for (const [a, b, after, below] of kept) {
    expect(a).toEqual([221, 34, 51]);
    expect(b).toEqual([221, 34, 51]);
    // The pad's background is the dataset's: its first image's corner (black for the digits).
    expect(after).toEqual([0, 0, 0]);
    expect(below).toEqual([0, 0, 0]);
  }
});
