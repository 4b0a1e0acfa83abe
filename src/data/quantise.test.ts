import { describe, expect, it } from 'vitest';
import { checkLevels, levelToByte, levelToByteTable, quantise, quantiseArray } from './quantise';

describe('quantise', () => {
  it('is the identity on whole bytes at 256 levels', () => {
    for (let v = 0; v < 256; v++) expect(quantise(v, 256)).toBe(v);
  });

  it.each([2, 16, 256])('stays within 0..%i-1 and is monotone', (levels) => {
    let previous = 0;
    for (let v = -20; v <= 300; v += 0.25) {
      const q = quantise(v, levels);
      expect(Number.isInteger(q)).toBe(true);
      expect(q).toBeGreaterThanOrEqual(0);
      expect(q).toBeLessThanOrEqual(levels - 1);
      expect(q).toBeGreaterThanOrEqual(previous);
      previous = q;
    }
    expect(quantise(0, levels)).toBe(0);
    expect(quantise(255, levels)).toBe(levels - 1);
    expect(quantise(Number.NaN, levels)).toBe(0);
  });

  it('thresholds at mid-gray for 2 levels', () => {
    expect(quantise(127, 2)).toBe(0);
    expect(quantise(128, 2)).toBe(1);
  });

  it('maps to the nearest of 16 evenly spaced levels', () => {
    expect(quantise(17, 16)).toBe(1); // level k is byte 17k
    expect(quantise(25, 16)).toBe(1);
    expect(quantise(26, 16)).toBe(2);
    expect(quantise(238, 16)).toBe(14);
  });

  it('round-trips level → byte → level for every level count', () => {
    const failures: string[] = [];
    for (let levels = 2; levels <= 256; levels++) {
      for (let k = 0; k < levels; k++) {
        if (quantise(levelToByte(k, levels), levels) !== k) failures.push(`level ${k} of ${levels}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('displays levels as evenly spaced bytes spanning 0..255', () => {
    expect(Array.from(levelToByteTable(2))).toEqual([0, 255]);
    expect(Array.from(levelToByteTable(16))).toEqual(Array.from({ length: 16 }, (_, k) => 17 * k));
    expect(Array.from(levelToByteTable(256))).toEqual(Array.from({ length: 256 }, (_, k) => k));
    expect(levelToByte(5, 4)).toBe(255); // clamps out-of-range levels
  });

  it('quantises whole arrays, optionally into a given buffer', () => {
    expect(Array.from(quantiseArray([0, 100, 200, 255], 4))).toEqual([0, 1, 2, 3]);
    const out = new Uint8Array(6);
    quantiseArray(Float32Array.from([255, 0]), 2, out.subarray(2, 4));
    expect(Array.from(out)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(() => quantiseArray([1, 2, 3], 2, new Uint8Array(2))).toThrow(RangeError);
  });

  it('quantises bytes exactly as it quantises the same numbers one by one, at every level count', () => {
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
    for (let levels = 2; levels <= 256; levels++) {
      expect(Array.from(quantiseArray(bytes, levels))).toEqual(Array.from(bytes, (v) => quantise(v, levels)));
      expect(Array.from(quantiseArray(new Uint8ClampedArray(bytes), levels))).toEqual(Array.from(bytes, (v) => quantise(v, levels)));
    }
    const out = new Uint8Array(4);
    quantiseArray(Uint8Array.from([255, 0]), 256, out.subarray(1, 3));
    expect(Array.from(out)).toEqual([0, 255, 0, 0]);
  });

  it('rejects impossible level counts', () => {
    for (const bad of [1, 257, 2.5, Number.NaN]) expect(() => checkLevels(bad)).toThrow(RangeError);
    expect(() => checkLevels(2)).not.toThrow();
  });
});
