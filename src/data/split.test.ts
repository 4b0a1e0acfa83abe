import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/random';
import { sampleBatch, sampleLabelledBatch, selectImages, splitDataset, splitIndices, testCount } from './split';
import type { ImageDataset } from './types';

/** count 1×2 images whose pixels are [i, i] (mod 256), so every image is identifiable. */
function numbered(count: number): ImageDataset {
  const pixels = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) pixels.set([i % 256, i % 256], i * 2);
  return { width: 2, height: 1, channels: 1, levels: 256, count, pixels };
}

describe('testCount', () => {
  it('takes the rounded fraction, at least one image from two upwards, never all', () => {
    expect(testCount(0, 0.1)).toBe(0);
    expect(testCount(1, 0.1)).toBe(0);
    expect(testCount(2, 0.1)).toBe(1);
    expect(testCount(9, 0.1)).toBe(1);
    expect(testCount(100, 0.1)).toBe(10);
    expect(testCount(10000, 0.1)).toBe(1000);
    expect(testCount(3, 0.99)).toBe(2);
    expect(testCount(100, 0)).toBe(0);
    expect(() => testCount(10, 1)).toThrow(RangeError);
    expect(() => testCount(10, -0.1)).toThrow(RangeError);
  });
});

describe('splitIndices', () => {
  it('is the same every time for the same seed', () => {
    expect(splitIndices(1000, 0.1, 42)).toEqual(splitIndices(1000, 0.1, 42));
  });

  it('changes with the seed', () => {
    expect(splitIndices(1000, 0.1, 1).test).not.toEqual(splitIndices(1000, 0.1, 2).test);
  });

  it('is disjoint, covers every image once, and is sorted', () => {
    const { train, test } = splitIndices(537, 0.2, 7);
    expect(test).toHaveLength(107);
    expect(train).toHaveLength(430);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 537 }, (_, i) => i));
    expect(new Set(test).size).toBe(test.length);
    expect(test).toEqual([...test].sort((a, b) => a - b));
    expect(train).toEqual([...train].sort((a, b) => a - b));
  });

  it('is pinned, so an outside script that reimplements it can check itself', () => {
    // If this changes, the app's held-out images change too: update pretraining scripts in step.
    expect(Array.from({ length: 3 }, seededRandom(1))).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(splitIndices(20, 0.25, 1)).toEqual({
      test: [3, 6, 11, 13, 18],
      train: [0, 1, 2, 4, 5, 7, 8, 9, 10, 12, 14, 15, 16, 17, 19],
    });
  });
});

describe('splitDataset', () => {
  it('copies the selected images and keeps the geometry', () => {
    const dataset = numbered(50);
    const { train, test } = splitDataset(dataset, 0.1, 3);
    const { train: ti, test: si } = splitIndices(50, 0.1, 3);
    expect(test.count).toBe(5);
    expect(train.count).toBe(45);
    expect(Array.from(test.pixels)).toEqual(si.flatMap((i) => [i, i]));
    expect(Array.from(train.pixels)).toEqual(ti.flatMap((i) => [i, i]));
    expect(test).toMatchObject({ width: 2, height: 1, channels: 1, levels: 256 });
  });

  it("carries each image's label and the class names into both sets", () => {
    const dataset = { ...numbered(50), labels: Int32Array.from({ length: 50 }, (_, i) => i % 3), classNames: ['a', 'b', 'c'] };
    const { train, test } = splitDataset(dataset, 0.1, 3);
    const { train: ti, test: si } = splitIndices(50, 0.1, 3);
    expect(Array.from(test.labels!)).toEqual(si.map((i) => i % 3));
    expect(Array.from(train.labels!)).toEqual(ti.map((i) => i % 3));
    expect(train.classNames).toEqual(['a', 'b', 'c']);
    expect(test.classNames).toEqual(['a', 'b', 'c']);
    // Each label still belongs to its image: the pixels say which image it is.
    train.labels!.forEach((label, k) => expect(label).toBe(train.pixels[2 * k] % 3));
    expect(splitDataset(numbered(10)).train.labels).toBeUndefined();
  });

  it('puts a single image in train only', () => {
    const { train, test } = splitDataset(numbered(1));
    expect(train.count).toBe(1);
    expect(test.count).toBe(0);
    expect(test.pixels.length).toBe(0);
  });

  it('refuses out-of-range indices', () => {
    expect(() => selectImages(numbered(3), [3])).toThrow(RangeError);
  });
});

describe('sampleBatch', () => {
  it('draws whole images from the dataset, reproducibly from a seeded generator', () => {
    const dataset = numbered(10);
    const a = sampleBatch(dataset, 64, seededRandom(5));
    const b = sampleBatch(dataset, 64, seededRandom(5));
    expect(a).toEqual(b);
    expect(a.length).toBe(128);
    for (let k = 0; k < 64; k++) {
      expect(a[2 * k]).toBe(a[2 * k + 1]);
      expect(a[2 * k]).toBeLessThan(10);
    }
    expect(new Set(a).size).toBeGreaterThan(5); // it actually varies
  });

  it('draws the same images with their labels, or null labels for an unlabelled dataset', () => {
    const dataset = { ...numbered(10), labels: Int32Array.from({ length: 10 }, (_, i) => 9 - i), classNames: Array.from({ length: 10 }, String) };
    const { pixels, labels } = sampleLabelledBatch(dataset, 32, seededRandom(8));
    expect(pixels).toEqual(sampleBatch(dataset, 32, seededRandom(8)));
    for (let k = 0; k < 32; k++) expect(labels![k]).toBe(9 - pixels[2 * k]);
    expect(sampleLabelledBatch(numbered(3), 2, seededRandom(1)).labels).toBeNull();
  });

  it('works with fewer images than the batch and with a generator that returns 1', () => {
    expect(Array.from(sampleBatch(numbered(1), 3, () => 0.5))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(sampleBatch(numbered(4), 1, () => 1))).toEqual([3, 3]);
  });

  it('refuses an empty dataset or a bad batch size', () => {
    expect(() => sampleBatch(numbered(0), 1, Math.random)).toThrow(RangeError);
    expect(() => sampleBatch(numbered(2), 0, Math.random)).toThrow(RangeError);
  });
});
