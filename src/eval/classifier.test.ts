import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import {
  type ClassifierSettings,
  type LabelledImages,
  accuracy,
  classify,
  convSame,
  createClassifier,
  fullyConnected,
  firstLayerPatches,
  loadClassifierWeights,
  saveClassifierWeights,
  trainClassifier,
} from './classifier';
import { classifierKey, loadOrTrainClassifier } from './classifierCache';

beforeAll(useCpuBackend);

/** 8×8 images of one bar: class 0 vertical, class 1 horizontal, at a position and length from `random`. */
function bars(count: number, seed: number): LabelledImages {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pixels = new Uint8Array(count * 64);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 2;
    const at = 1 + Math.floor(random() * 6);
    const from = Math.floor(random() * 3);
    for (let k = from; k < from + 5; k++) pixels[n * 64 + (labels[n] === 0 ? k * 8 + at : at * 8 + k)] = 200 + Math.floor(random() * 55);
  }
  return { width: 8, height: 8, count, pixels, labels };
}

const TINY: ClassifierSettings = {
  version: 1,
  seed: 3,
  classes: 2,
  conv1: 4,
  conv2: 4,
  dense: 8,
  epochs: 8,
  batchSize: 16,
  learningRate: 1e-2,
  finalLearningRate: 1e-3,
  maxShift: 1,
};

describe('convSame', () => {
  it('has the gradients of conv2d (same padding) for 3×3 and 5×5 kernels', () => {
    for (const k of [3, 5]) {
      const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const weights = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 3);
      const loss = (f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), weights));
      const ours = tf.grads(loss((a, b) => convSame(a, b)))([x, w]);
      const reference = tf.grads(loss((a, b) => tf.conv2d(a, b, 1, 'same')))([x, w]);
      for (let i = 0; i < 2; i++) {
        expect(ours[i].shape).toEqual(reference[i].shape);
        const difference = tf.max(tf.abs(tf.sub(ours[i], reference[i]))).dataSync()[0];
        expect(difference).toBeLessThan(1e-4);
      }
      tf.dispose([x, w, weights, ...ours, ...reference]);
    }
  });
});

describe('fullyConnected', () => {
  it('has the gradients of matMul', () => {
    const a = tf.randomNormal([3, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
    const w = tf.randomNormal([5, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
    const weights = tf.randomNormal([3, 2], 0, 1, 'float32', 6);
    const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), weights));
    const ours = tf.grads(loss(fullyConnected))([a, w]);
    const reference = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, w]);
    for (let i = 0; i < 2; i++) expect(tf.max(tf.abs(tf.sub(ours[i], reference[i]))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, w, weights, ...ours, ...reference]);
  });
});

describe('firstLayerPatches', () => {
  it('takes the 5×5 window around (2·oy, 2·ox), zero outside, shifted, as rows and as columns', () => {
    // Two 4×4 images with pixel (y, x) = 10·y + x + 1 (and + 100 in the second).
    const pixels = Uint8Array.from({ length: 32 }, (_, i) => (i >= 16 ? 100 : 0) + 10 * Math.floor((i % 16) / 4) + (i % 4) + 1);
    const images = { width: 4, height: 4, count: 2, pixels };
    const { rows, columns, count } = firstLayerPatches(images, [1, 0], Int8Array.from([0, 0, 1, 0]));
    expect(count).toBe(2 * 2 * 2);
    const at = (n: number, i: number, j: number): number => Math.round(rows[n * 25 + i * 5 + j] * 255);
    // Image 1 (listed first), output (0, 0): window rows/cols −2..2, so tap (2, 2) is pixel (0, 0).
    expect(at(0, 2, 2)).toBe(101);
    expect(at(0, 1, 2)).toBe(0); // row −1
    expect(at(0, 3, 4)).toBe(113); // pixel (1, 2)
    // Output (1, 1) of image 1: centre pixel (2, 2).
    expect(at(3, 2, 2)).toBe(123);
    // Image 0 shifted down one row: its output (0, 0) centre reads pixel (−1, 0), which is zero.
    expect(at(4, 2, 2)).toBe(0);
    expect(at(4, 3, 2)).toBe(1);
    for (let n = 0; n < count; n++) for (let t = 0; t < 25; t++) expect(columns[t * count + n]).toBe(rows[n * 25 + t]);
  });
});

describe('the digit classifier', () => {
  const train = bars(96, 11);
  const test = bars(40, 12);

  it('learns a tiny task, the same way twice, and survives a save and load', async () => {
    const before = tf.memory().numTensors;
    const first = await trainClassifier(train, TINY);
    // Deterministic: the same settings train the same weights (one epoch is enough to tell).
    const once = [await trainClassifier(train, { ...TINY, epochs: 1 }), await trainClassifier(train, { ...TINY, epochs: 1 })];
    const [a, b] = await Promise.all(once.map(saveClassifierWeights));
    expect(a).toEqual(b);
    expect(a).not.toEqual(await saveClassifierWeights(first));

    const probabilities = await classify(first, test);
    expect(probabilities.length).toBe(test.count * 2);
    expect(accuracy(probabilities, test.labels, 2)).toBeGreaterThanOrEqual(0.9);

    const copy = createClassifier(TINY, 8, 8);
    loadClassifierWeights(copy, await saveClassifierWeights(first));
    expect(Array.from(await classify(copy, test))).toEqual(Array.from(probabilities));
    for (const c of [first, ...once, copy]) c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is kept on disk under a key of its settings, data and backend, and reused', async () => {
    const key = classifierKey(TINY, train, 'cpu');
    expect(classifierKey({ ...TINY, seed: 4 }, train, 'cpu')).not.toBe(key);
    expect(classifierKey(TINY, train, 'wasm')).not.toBe(key);
    expect(classifierKey(TINY, { ...train, labels: train.labels.map((l) => 1 - l) }, 'cpu')).not.toBe(key);
    expect(classifierKey(TINY, { ...train, pixels: train.pixels.map((p) => p ^ 1) }, 'cpu')).not.toBe(key);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-classifier-'));
    const quick = { ...TINY, epochs: 1 };
    try {
      const trained = await loadOrTrainClassifier(dir, quick, train, test, 'cpu');
      expect(trained.cached).toBe(false);
      expect(path.basename(trained.file)).toContain(classifierKey(quick, train, 'cpu'));
      const reused = await loadOrTrainClassifier(dir, quick, train, test, 'cpu');
      expect(reused.cached).toBe(true);
      expect(reused.heldOutAccuracy).toBe(trained.heldOutAccuracy);
      expect(await saveClassifierWeights(reused.classifier)).toEqual(await saveClassifierWeights(trained.classifier));
      trained.classifier.dispose();
      reused.classifier.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs sides divisible by 4, and images of its own size', async () => {
    expect(() => createClassifier(TINY, 10, 8)).toThrow(/divisible by 4/);
    const c = createClassifier(TINY, 8, 8);
    await expect(classify(c, { width: 4, height: 4, count: 1, pixels: new Uint8Array(16) })).rejects.toThrow(/8×8/);
    c.dispose();
  });
});
