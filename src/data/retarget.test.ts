import { describe, expect, it } from 'vitest';
import { retargetDataset } from './retarget';
import type { ImageDataset } from './types';

const twoByTwo: ImageDataset = { width: 2, height: 2, channels: 1, levels: 256, count: 1, pixels: new Uint8Array([0, 255, 255, 0]) };

describe('retargetDataset', () => {
  it('is the identity when nothing changes', () => {
    expect(retargetDataset(twoByTwo, { width: 2, height: 2, channels: 1, levels: 256 })).toBe(twoByTwo);
  });

  it('area-averages down, requantises and expands gray to RGB', () => {
    const out = retargetDataset(twoByTwo, { width: 1, height: 1, channels: 3, levels: 3 });
    expect(Array.from(out.pixels)).toEqual([1, 1, 1]); // mean 127.5 → middle of 3 levels
  });

  it('keeps each image separate', () => {
    const two: ImageDataset = { ...twoByTwo, count: 2, pixels: new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255]) };
    const out = retargetDataset(two, { width: 1, height: 1, channels: 1, levels: 2 });
    expect(Array.from(out.pixels)).toEqual([0, 1]);
  });

  it('keeps the labels and class names', () => {
    const labelled: ImageDataset = { ...twoByTwo, labels: Int32Array.from([1]), classNames: ['a', 'b'] };
    const out = retargetDataset(labelled, { width: 1, height: 1, channels: 1, levels: 2 });
    expect(Array.from(out.labels!)).toEqual([1]);
    expect(out.classNames).toEqual(['a', 'b']);
  });
});
