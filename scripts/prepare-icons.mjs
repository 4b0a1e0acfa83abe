#!/usr/bin/env node
/**
 * Builds the app's built-in colour icons from the `emoji-datasource-twitter`
 * npm package (Twemoji graphics by Twitter, Inc and other contributors,
 * CC-BY 4.0; the package itself is MIT):
 *
 *   public/data/icons-16x16.bin   count × 16 × 16 × 3 raw bytes, RGB, row-major
 *   public/data/icons-16x16.json  { count, width, height, channels, labels, classNames, names, … }
 *
 * The package's 16-pixel sprite sheet (img/twitter/sheets/16.png) holds every
 * emoji in an 18-pixel cell (one transparent pixel of padding on each side) at
 * the `sheet_x`, `sheet_y` that emoji.json gives it. Only the base emoji are
 * taken: skin-tone variants are near-copies of their base and would leak
 * between the training and held-out images. The five "Component" entries (bare
 * skin-tone swatches and hair styles) are left out too. Transparent pixels are
 * composited onto white. Images are ordered by the package's `sort_order`, and
 * each image's class is its emoji category (Smileys & Emotion, People & Body,
 * …), in the package's category order.
 *
 * The app holds out images with the same seeded split as any dataset
 * (src/data/split.ts), so the held-out icons are fixed by this file's order.
 *
 * Runs on every `npm start`/`npm run build`, and does nothing when the outputs
 * are newer than their inputs and were made from the same package version by
 * the same generator. Plain Node (its zlib inflates the PNG), no dependencies.
 */

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { locatePackage, upToDate, writeOutputs } from './prepared-data.mjs';

/** Bump when the output format or order changes, so old outputs are rebuilt. */
const GENERATOR_VERSION = 1;
const SIZE = 16;
const CELL = SIZE + 2;
const CHANNELS = 3;
const IMAGE_BYTES = SIZE * SIZE * CHANNELS;
const PACKAGE = 'emoji-datasource-twitter';
const LEFT_OUT_CATEGORIES = new Set(['Component']);
const CREDIT = 'Colour icons: Twemoji by Twitter, Inc and other contributors (CC-BY 4.0), via the emoji-datasource-twitter npm package (MIT).';

const scriptPath = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(scriptPath), '..');
const outDir = path.join(root, 'public', 'data');
const binPath = path.join(outDir, `icons-${SIZE}x${SIZE}.bin`);
const jsonPath = path.join(outDir, `icons-${SIZE}x${SIZE}.json`);
const relative = (p) => path.relative(root, p).split(path.sep).join('/');

function fail(message) {
  console.error(`prepare-icons: ${message}`);
  process.exit(1);
}

/**
 * Decodes a non-interlaced 8-bit RGBA PNG (what the sprite sheets are) to
 * width × height × 4 bytes. Anything else is refused by name.
 */
function decodeRgbaPng(bytes, file) {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => bytes[i] === b)) fail(`${file} is not a PNG file.`);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat = [];
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [bitDepth, colourType, , , interlace] = data.subarray(8, 13);
      if (bitDepth !== 8 || colourType !== 6 || interlace !== 0) {
        fail(`${file} is not an 8-bit, non-interlaced RGBA PNG (depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}).`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (width === 0 || idat.length === 0) fail(`${file} has no image header or no image data.`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  if (raw.length !== height * (stride + 1)) fail(`${file}: the image data holds ${raw.length} bytes, expected ${height * (stride + 1)}.`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[row + x - 4] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= 4 && y > 0 ? out[prev + x - 4] : 0;
      let predictor;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          return fail(`${file}: row ${y} has an unknown PNG filter ${filter}.`);
      }
      out[row + x] = (raw[src + x] + predictor) & 0xff;
    }
  }
  return { width, height, rgba: out };
}

/** The 16×16 cell at (sheetX, sheetY), composited onto white, as RGB bytes. */
function cutIcon(sheet, sheetX, sheetY, into, at) {
  const left = sheetX * CELL + 1;
  const top = sheetY * CELL + 1;
  if (left + SIZE > sheet.width || top + SIZE > sheet.height) fail(`sheet cell (${sheetX}, ${sheetY}) lies outside the sheet.`);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const s = ((top + y) * sheet.width + left + x) * 4;
      const alpha = sheet.rgba[s + 3] / 255;
      const d = at + (y * SIZE + x) * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) into[d + c] = Math.round(sheet.rgba[s + c] * alpha + 255 * (1 - alpha));
    }
  }
}

function main() {
  const started = Date.now();
  const pkg = locatePackage(PACKAGE, fail);
  const emojiFile = path.join(pkg.dir, 'emoji.json');
  const categoriesFile = path.join(pkg.dir, 'categories.json');
  const sheetFile = path.join(pkg.dir, 'img', 'twitter', 'sheets', `${SIZE}.png`);
  const existing = upToDate({
    binPath,
    jsonPath,
    inputs: [emojiFile, categoriesFile, sheetFile, scriptPath, fileURLToPath(new URL('./prepared-data.mjs', import.meta.url))],
    imageBytes: IMAGE_BYTES,
    generator: GENERATOR_VERSION,
    version: pkg.version,
  });
  if (existing) {
    console.log(`prepare-icons: ${relative(binPath)} is up to date (${existing.count.toLocaleString('en-US')} icons); nothing to do.`);
    return;
  }

  let emoji;
  let categoryOrder;
  try {
    emoji = JSON.parse(fs.readFileSync(emojiFile, 'utf8'));
    categoryOrder = Object.keys(JSON.parse(fs.readFileSync(categoriesFile, 'utf8')));
  } catch (error) {
    fail(`could not read the package's emoji list: ${error.message}`);
  }
  const classNames = categoryOrder.filter((name) => !LEFT_OUT_CATEGORIES.has(name));
  const chosen = emoji.filter((e) => e.has_img_twitter && !LEFT_OUT_CATEGORIES.has(e.category)).sort((a, b) => a.sort_order - b.sort_order);
  for (const e of chosen) {
    if (!classNames.includes(e.category)) fail(`emoji ${e.short_name} has category "${e.category}", which categories.json does not list.`);
  }

  const sheet = decodeRgbaPng(fs.readFileSync(sheetFile), relative(sheetFile));
  const out = new Uint8Array(chosen.length * IMAGE_BYTES);
  chosen.forEach((e, i) => cutIcon(sheet, e.sheet_x, e.sheet_y, out, i * IMAGE_BYTES));
  const labels = chosen.map((e) => classNames.indexOf(e.category));

  const meta = {
    generator: GENERATOR_VERSION,
    count: chosen.length,
    width: SIZE,
    height: SIZE,
    channels: CHANNELS,
    format: 'uint8, count × height × width × 3 (RGB), row-major; no header; transparency composited onto white',
    order: "the package's sort_order; base emoji only (no skin-tone variants), no Component entries",
    classNames,
    countsPerClass: classNames.map((_, k) => labels.filter((l) => l === k).length),
    labels: labels.join(''),
    names: chosen.map((e) => e.short_name),
    credit: CREDIT,
    source: { package: PACKAGE, version: pkg.version, sheet: `img/twitter/sheets/${SIZE}.png` },
  };

  writeOutputs({ binPath, jsonPath, bytes: out, meta });

  console.log(
    `prepare-icons: wrote ${relative(binPath)} (${chosen.length.toLocaleString('en-US')} icons in ${classNames.length} classes, ` +
      `${out.length.toLocaleString('en-US')} bytes) and ${relative(jsonPath)} in ${Date.now() - started} ms.`,
  );
}

main();
