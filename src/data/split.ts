/**
 * Deterministic train/test split and minibatch sampling.
 *
 * The split must be reproducible outside the app (a Node pretraining script
 * has to hold out exactly the images the app holds out), so the algorithm is
 * spelled out:
 *   1. random = mulberry32(seed)                          (seededRandom, src/model/random.ts)
 *   2. order = [0, 1, …, count−1], Fisher–Yates shuffled from the end:
 *      for i = count−1 down to 1: j = floor(random()·(i+1)); swap order[i], order[j]
 *   3. test = the first testCount(count, fraction) entries of order, the rest train;
 *      both sorted ascending so each subset keeps the dataset's original order.
 * Its only import is the seeded generator, which is plain TypeScript, so a Node
 * script can load this file (through Vite's module runner) without tfjs.
 */

import { seededRandom } from '../model/random';
import type { ImageDataset } from './types';

export const DEFAULT_TEST_FRACTION = 0.1;
export const DEFAULT_SPLIT_SEED = 1;

/**
 * How many images go to the test set: the rounded fraction, but at least one
 * whenever there are two or more images (and the fraction is above zero) so
 * a test loss can always be computed, and never all of them.
 */
export function testCount(count: number, testFraction: number): number {
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be at least 0 and below 1, got ${testFraction}.`);
  }
  if (count < 2 || testFraction === 0) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(count * testFraction)));
}

export interface SplitIndices {
  /** Ascending image indices of the training set. */
  train: number[];
  /** Ascending image indices of the test set; disjoint from train. */
  test: number[];
}

/** The indices of the split described at the top of this file. */
export function splitIndices(count: number, testFraction = DEFAULT_TEST_FRACTION, seed = DEFAULT_SPLIT_SEED): SplitIndices {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number, got ${count}.`);
  const nTest = testCount(count, testFraction);
  const random = seededRandom(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const ascending = (a: number, b: number): number => a - b;
  return { test: order.slice(0, nTest).sort(ascending), train: order.slice(nTest).sort(ascending) };
}

/** A new dataset holding copies of the listed images (and their labels, if any), in the listed order. */
export function selectImages(dataset: ImageDataset, indices: readonly number[]): ImageDataset {
  const size = dataset.width * dataset.height * dataset.channels;
  const pixels = new Uint8Array(indices.length * size);
  const labels = dataset.labels ? new Int32Array(indices.length) : undefined;
  indices.forEach((index, k) => {
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
      throw new RangeError(`Image index ${index} is outside 0..${dataset.count - 1}.`);
    }
    pixels.set(dataset.pixels.subarray(index * size, (index + 1) * size), k * size);
    if (labels) labels[k] = dataset.labels![index] ?? -1;
  });
  return { ...dataset, count: indices.length, pixels, ...(labels ? { labels } : {}) };
}

/** Splits a dataset into disjoint train and test sets, the same way every time for the same seed. */
export function splitDataset(
  dataset: ImageDataset,
  testFraction = DEFAULT_TEST_FRACTION,
  seed = DEFAULT_SPLIT_SEED,
): { train: ImageDataset; test: ImageDataset } {
  const { train, test } = splitIndices(dataset.count, testFraction, seed);
  return { train: selectImages(dataset, train), test: selectImages(dataset, test) };
}

/**
 * batchSize images drawn uniformly at random with replacement, packed back to
 * back (batchSize × H × W × C levels). With replacement keeps every batch
 * independent and makes tiny datasets (fewer images than a batch) work.
 */
export function sampleBatch(dataset: ImageDataset, batchSize: number, random: () => number): Uint8Array {
  return sampleLabelledBatch(dataset, batchSize, random).pixels;
}

/**
 * sampleBatch with each drawn image's label (-1 where it has none), or null
 * labels when the dataset carries none. The same `random` draws the same images.
 */
export function sampleLabelledBatch(dataset: ImageDataset, batchSize: number, random: () => number): { pixels: Uint8Array; labels: Int32Array | null } {
  if (dataset.count < 1) throw new RangeError('Cannot sample a batch from an empty dataset.');
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}.`);
  }
  const size = dataset.width * dataset.height * dataset.channels;
  const pixels = new Uint8Array(batchSize * size);
  const labels = dataset.labels ? new Int32Array(batchSize) : null;
  for (let b = 0; b < batchSize; b++) {
    // min() guards against a generator that returns exactly 1.
    const index = Math.min(dataset.count - 1, Math.floor(random() * dataset.count));
    pixels.set(dataset.pixels.subarray(index * size, (index + 1) * size), b * size);
    if (labels) labels[b] = dataset.labels![index] ?? -1;
  }
  return { pixels, labels };
}
