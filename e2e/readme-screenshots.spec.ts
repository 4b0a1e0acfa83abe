/**
 * The README's pictures of the views that look inside the model, taken from
 * the built app with the shipped digits model:
 *
 *   README_SCREENSHOTS=1 npx playwright test e2e/readme-screenshots.spec.ts
 *
 * writes docs/view-*.png. Skipped otherwise: it draws with the full-size
 * model, which takes minutes, and checks nothing the other tests do not.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { zlibSync } from 'fflate';
import type * as Gifenc from 'gifenc';
import { applyModel, region } from './app-helpers';

test.skip(!process.env.README_SCREENSHOTS, 'README_SCREENSHOTS=1 takes the README screenshots');
test.setTimeout(900_000);
test.use({ viewport: { width: 1280, height: 1000 } });

// gifenc's Node build is CommonJS without named exports for ESM.
const { quantize } = createRequire(import.meta.url)('gifenc') as typeof Gifenc;

const DOCS = 'docs';
/** WebAssembly: the fastest backend for the full-size model on a machine without a GPU. */
const APP = '/?backend=wasm';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  let crc = 0xffffffff;
  for (const byte of out.subarray(4, 8 + data.length)) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  view.setUint32(8 + data.length, (crc ^ 0xffffffff) >>> 0);
  return out;
}

/**
 * A screenshot as a 256-colour PNG: a dark UI has few colours, and an
 * indexed PNG of it is a fraction of the size of the RGBA one.
 */
async function savePalettePng(page: Page, shot: Buffer, path: string): Promise<number> {
  const { width, height, rgba } = await page.evaluate(async (base64) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, shot.toString('base64'));
  const pixels = Uint8Array.from(rgba);
  const palette = quantize(pixels, 256);
  const cache = new Map<number, number>();
  const nearest = (r: number, g: number, b: number) => {
    const key = (r << 16) | (g << 8) | b;
    let best = cache.get(key);
    if (best === undefined) {
      let distance = Infinity;
      palette.forEach(([pr, pg, pb], i) => {
        const d = (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2;
        if (d < distance) [distance, best] = [d, i];
      });
      cache.set(key, best!);
    }
    return best!;
  };
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      raw[y * (width + 1) + 1 + x] = nearest(pixels[o], pixels[o + 1], pixels[o + 2]);
    }
  }
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 3, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', Uint8Array.from(palette.flatMap((c) => c.slice(0, 3)))),
    chunk('IDAT', zlibSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = Buffer.concat(parts);
  await writeFile(path, png);
  return png.length;
}

/** The page area from the top of `from` to the bottom of `to`, for a full-page screenshot. */
async function clipOf(page: Page, from: Locator, to: Locator = from, pad = 12) {
  await from.scrollIntoViewIfNeeded();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  // Bounding boxes are in the viewport; a full-page clip is in the page.
  const [scrollX, scrollY] = await page.evaluate(() => [window.scrollX, window.scrollY]);
  const x = Math.min(a.x, b.x) - pad + scrollX;
  const y = Math.min(a.y, b.y) - pad + scrollY;
  const right = Math.max(a.x + a.width, b.x + b.width) + scrollX + pad;
  const bottom = Math.max(a.y + a.height, b.y + b.height) + scrollY + pad;
  return { x: Math.max(0, x), y: Math.max(0, y), width: right - Math.max(0, x), height: bottom - Math.max(0, y) };
}

async function save(page: Page, name: string, clip: { width: number; height: number }, shot: Buffer): Promise<void> {
  const bytes = await savePalettePng(page, shot, `${DOCS}/${name}.png`);
  console.log(`${DOCS}/${name}.png: ${Math.round(clip.width)}×${Math.round(clip.height)}, ${Math.round(bytes / 1024)} KB`);
  expect(bytes).toBeLessThan(150 * 1024);
}

/** Screenshots the area from the top of `from` to the bottom of `to` (both in one column of the page). */
async function shoot(page: Page, name: string, from: Locator, to: Locator = from): Promise<void> {
  const clip = await clipOf(page, from, to);
  await save(page, name, clip, await page.screenshot({ clip, fullPage: true }));
}

async function drawingDone(sampling: Locator): Promise<void> {
  await expect(sampling.locator('.sample-progress')).toContainText(/done|stopped/, { timeout: 600_000 });
}

test('README screenshots of the views inside the model', async ({ page }) => {
  // Nine digits of any class in a 3 × 3 grid.
  await page.goto(`${APP}#model=digits&seed=2026&t=1&n=9&draw=any&speed=50`);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toHaveText('pretrained (shipped with the app)', { timeout: 120_000 });
  const sampling = region(page, 'Sampling');

  // The belief chart while the grid is drawn (50 ms a pixel), mid-image.
  const live = sampling.getByTestId('live-belief');
  await expect(live).toBeVisible({ timeout: 300_000 });
  const pixel = async () => Number(/pixel (\d+) of/.exec((await sampling.getByTestId('sample-progress').textContent()) ?? '')?.[1] ?? 0);
  await expect.poll(pixel, { timeout: 600_000 }).toBeGreaterThan(300);
  // In slow motion, wait for a pixel the model is unsure of (an edge of a stroke), and take it while it is drawn.
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Slow motion (200 ms)' });
  const entropy = async () => Number(/(\d+\.\d+) bits/.exec((await live.textContent()) ?? '')?.[1] ?? 0);
  const clip = await clipOf(page, sampling.locator('.sample-stage'), live);
  for (let tries = 0; ; tries++) {
    expect(tries, 'an uncertain pixel within 3000 tries').toBeLessThan(3000);
    const shown = await live.getAttribute('data-pixel');
    if ((await entropy()) <= 2) continue;
    const shot = await page.screenshot({ clip, fullPage: true });
    // Kept only if the chart still showed that pixel once the picture was taken.
    if ((await live.getAttribute('data-pixel')) !== shown || (await entropy()) <= 2) continue;
    await save(page, 'view-belief', clip, shot);
    break;
  }

  // A finished grid: one pixel's distribution and receptive field.
  await sampling.getByLabel('Speed', { exact: true }).selectOption({ label: 'Full speed' });
  await drawingDone(sampling);
  const canvas = sampling.locator('canvas.sample-canvas');
  // Image 0 of the 3-column grid (SampleCanvas: 8 px gaps, fit to 640 px), pixel (14, 12): the middle of most digits.
  const shown = (await canvas.boundingBox())!.width / (await canvas.evaluate((c) => (c as HTMLCanvasElement).width));
  const scale = Math.floor((640 - 2 * 8) / (3 * 28)) * shown;
  await canvas.click({ position: { x: 12.5 * scale, y: 14.5 * scale } });
  const view = sampling.getByTestId('inspect-sample');
  await expect(view.getByTestId('inspect-field')).toBeVisible({ timeout: 300_000 });
  await shoot(page, 'view-receptive-field', view);

  // The held-out images ranked by bits/dim, and the most unusual one's surprise map.
  const dataset = region(page, 'Dataset');
  await dataset.getByRole('button', { name: 'Rank held-out images' }).click();
  const strip = dataset.getByTestId('typical-strip');
  await expect(strip.getByRole('list', { name: 'Most unusual' }).getByRole('button')).toHaveCount(6, { timeout: 600_000 });
  await expect(dataset.getByRole('progressbar')).toHaveCount(0, { timeout: 600_000 });
  await strip.getByRole('list', { name: 'Most unusual' }).getByRole('button').first().click();
  const heldOut = dataset.getByTestId('inspect-test');
  await expect(heldOut.getByTestId('inspect-surprise')).toBeVisible({ timeout: 300_000 });
  await shoot(page, 'view-surprise', strip, heldOut);

  // Complete a drawing: the top of a 7, kept to row 12, finished six times as a 7.
  await sampling.getByLabel('Draw', { exact: true }).selectOption('class');
  await sampling.getByLabel('Class', { exact: true }).selectOption('7');
  const pad = page.getByTestId('drawing-pad');
  await pad.scrollIntoViewIfNeeded();
  const padBox = (await pad.boundingBox())!;
  const at = (row: number, col: number) => ({ x: padBox.x + ((col + 0.5) * padBox.width) / 28, y: padBox.y + ((row + 0.5) * padBox.height) / 28 });
  const stroke = async (points: Array<[number, number]>) => {
    const [first, ...rest] = points.map(([r, c]) => at(r, c));
    await page.mouse.move(first.x, first.y);
    await page.mouse.down();
    for (const p of rest) await page.mouse.move(p.x, p.y, { steps: 6 });
    await page.mouse.up();
  };
  await stroke([
    [6, 7],
    [6, 19],
    [8, 19],
    [11, 17],
  ]);
  const keep = sampling.getByLabel('Rows to keep', { exact: true });
  await keep.focus();
  await keep.press('Home');
  for (let i = 0; i < 12; i++) await keep.press('ArrowRight');
  await expect(pad).toHaveAttribute('data-keep-rows', '12');
  await sampling.getByLabel('Completions', { exact: true }).selectOption('6');
  await sampling.getByRole('button', { name: 'Complete drawing', exact: true }).click();
  await drawingDone(sampling);
  await shoot(page, 'view-completion', sampling.locator('.sample-column'));
});

test('README screenshot of the learning timeline', async ({ page }) => {
  // A small 28×28 model learning the digits from random weights: it goes from noise towards digits within minutes.
  await page.goto(APP);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('model-origin')).toBeVisible({ timeout: 120_000 });
  await applyModel(page, {
    architecture: 'gated',
    size: 28,
    levels: 256,
    hidden: 16,
    layers: 3,
    kernel: 3,
    firstKernel: 7,
    embedding: 4,
    position: true,
    classes: 10,
  });
  const training = region(page, 'Training');
  await training.getByLabel('Learning rate', { exact: true }).fill('0.004');
  await training.getByLabel('New strip every', { exact: true }).fill('20');
  await training.getByRole('button', { name: 'Train', exact: true }).click();
  const strips = page.getByTestId('timeline-strip');
  await expect.poll(() => strips.count(), { timeout: 400_000, intervals: [1000] }).toBeGreaterThanOrEqual(7);
  await training.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(training.getByRole('button', { name: 'Train', exact: true })).toBeEnabled({ timeout: 120_000 });
  await shoot(page, 'view-timeline', page.getByTestId('learning-timeline'));
});
