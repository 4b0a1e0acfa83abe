import { describe, expect, it } from 'vitest';
import { centreCropBox, resizeArea, rgbaToGray, rgbaToRgb, rgbaToTarget } from './resize';

/**
 * An independent reference: integrate each destination pixel's rectangle
 * over the source grid with floating-point geometry, one source pixel at a
 * time. Slow and obvious, which is the point.
 */
function referenceResize(src: Float32Array, sw: number, sh: number, c: number, dw: number, dh: number): Float64Array {
  const out = new Float64Array(dw * dh * c);
  const sx = sw / dw;
  const sy = sh / dh;
  for (let dy = 0; dy < dh; dy++) {
    for (let dx = 0; dx < dw; dx++) {
      const x0 = dx * sx,
        x1 = (dx + 1) * sx,
        y0 = dy * sy,
        y1 = (dy + 1) * sy;
      for (let y = 0; y < sh; y++) {
        const oy = Math.max(0, Math.min(y1, y + 1) - Math.max(y0, y));
        if (oy === 0) continue;
        for (let x = 0; x < sw; x++) {
          const ox = Math.max(0, Math.min(x1, x + 1) - Math.max(x0, x));
          if (ox === 0) continue;
          for (let k = 0; k < c; k++) out[(dy * dw + dx) * c + k] += (ox * oy * src[(y * sw + x) * c + k]) / (sx * sy);
        }
      }
    }
  }
  return out;
}

function pseudoRandomImage(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 255;
  });
}

describe('centreCropBox', () => {
  it('keeps a square image whole', () => {
    expect(centreCropBox(5, 5)).toEqual({ x: 0, y: 0, width: 5, height: 5 });
  });
  it('trims the sides of a landscape image', () => {
    expect(centreCropBox(10, 6)).toEqual({ x: 2, y: 0, width: 6, height: 6 });
  });
  it('trims top and bottom of a portrait image', () => {
    expect(centreCropBox(6, 10)).toEqual({ x: 0, y: 2, width: 6, height: 6 });
  });
  it('gives the odd leftover pixel to the right', () => {
    expect(centreCropBox(7, 4)).toEqual({ x: 1, y: 0, width: 4, height: 4 });
  });
  it('supports non-square aspect ratios', () => {
    expect(centreCropBox(10, 10, 2)).toEqual({ x: 0, y: 2, width: 10, height: 5 });
    expect(centreCropBox(30, 10, 2)).toEqual({ x: 5, y: 0, width: 20, height: 10 });
  });
  it('handles a one-pixel-wide strip', () => {
    expect(centreCropBox(1, 100)).toEqual({ x: 0, y: 49, width: 1, height: 1 });
  });
  it('rejects empty images', () => {
    expect(() => centreCropBox(0, 5)).toThrow(RangeError);
  });
});

describe('resizeArea', () => {
  it('averages 2×2 blocks when halving 4×4', () => {
    // prettier-ignore
    const src = Float32Array.from([
      0, 2, 10, 20,
      4, 6, 30, 40,
      100, 100, 1, 2,
      100, 100, 3, 4,
    ]);
    expect(Array.from(resizeArea(src, 4, 4, 1, 2, 2))).toEqual([3, 25, 100, 2.5]);
  });

  it('weights fractional coverage exactly when shrinking 3×3 to 2×2', () => {
    // prettier-ignore
    const src = Float32Array.from([
      1, 2, 3,
      4, 5, 6,
      7, 8, 9,
    ]);
    const out = resizeArea(src, 3, 3, 1, 2, 2);
    // Top-left covers [0,1.5)²: pixel 1 fully, 2 and 4 half, 5 a quarter; area 2.25.
    expect(out[0]).toBeCloseTo((1 + 0.5 * 2 + 0.5 * 4 + 0.25 * 5) / 2.25, 5);
    expect(out[3]).toBeCloseTo((9 + 0.5 * 8 + 0.5 * 6 + 0.25 * 5) / 2.25, 5);
    expect(Array.from(out)).toEqual(Array.from(referenceResize(src, 3, 3, 1, 2, 2)).map((v) => Math.fround(v)));
  });

  it('keeps a constant image exactly constant at any size', () => {
    for (const [sw, sh, dw, dh] of [
      [7, 5, 3, 4],
      [3, 2, 7, 9],
      [28, 28, 28, 28],
      [100, 37, 28, 28],
    ]) {
      const out = resizeArea(new Float32Array(sw * sh).fill(200), sw, sh, 1, dw, dh);
      expect(out.every((v) => v === 200)).toBe(true);
    }
  });

  it('replicates pixels when upsampling by a whole factor', () => {
    const out = resizeArea(Float32Array.from([1, 2, 3, 4]), 2, 2, 1, 4, 4);
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('blends neighbours by coverage when upsampling by a fraction', () => {
    // 2 → 3: the middle output pixel straddles both inputs equally.
    expect(Array.from(resizeArea(Float32Array.from([0, 90]), 2, 1, 1, 3, 1))).toEqual([0, 45, 90]);
  });

  it('matches the brute-force reference on awkward sizes, in both directions', () => {
    for (const [sw, sh, c, dw, dh] of [
      [13, 7, 1, 5, 3],
      [5, 9, 3, 7, 4],
      [31, 29, 3, 28, 28],
      [4, 3, 1, 11, 10],
    ]) {
      const src = pseudoRandomImage(sw * sh * c, sw * 31 + dh);
      const out = resizeArea(src, sw, sh, c, dw, dh);
      const ref = referenceResize(src, sw, sh, c, dw, dh);
      out.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 3));
    }
  });

  it('preserves the mean intensity (area averaging conserves mass)', () => {
    const src = pseudoRandomImage(17 * 11, 7);
    const out = resizeArea(src, 17, 11, 1, 6, 5);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 3);
  });

  it('never mixes channels', () => {
    const src = new Float32Array(6 * 4 * 3);
    for (let i = 0; i < src.length; i += 3) src.set([10, 20, 30], i);
    const out = resizeArea(src, 6, 4, 3, 4, 3);
    for (let i = 0; i < out.length; i += 3) expect(Array.from(out.subarray(i, i + 3))).toEqual([10, 20, 30]);
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => resizeArea(new Float32Array(5), 2, 2, 1, 1, 1)).toThrow(RangeError);
  });
});

describe('RGBA conversion', () => {
  const rgba = Uint8ClampedArray.from([
    255,
    0,
    0,
    255, // opaque red
    0,
    255,
    0,
    255, // opaque green
    0,
    0,
    255,
    255, // opaque blue
    255,
    255,
    255,
    255, // opaque white
    0,
    0,
    0,
    0, // fully transparent
    0,
    0,
    0,
    128, // half-transparent black
  ]);

  it('uses BT.601 luma weights and composites over white by default', () => {
    const gray = rgbaToGray(rgba, 6, 1);
    expect(gray[0]).toBeCloseTo(0.299 * 255, 4);
    expect(gray[1]).toBeCloseTo(0.587 * 255, 4);
    expect(gray[2]).toBeCloseTo(0.114 * 255, 4);
    expect(gray[3]).toBeCloseTo(255, 4);
    expect(gray[4]).toBeCloseTo(255, 4);
    expect(gray[5]).toBeCloseTo(255 * (1 - 128 / 255), 4);
  });

  it('can composite over black instead', () => {
    const gray = rgbaToGray(rgba, 6, 1, 'black');
    expect(gray[4]).toBe(0);
    expect(gray[5]).toBe(0);
  });

  it('keeps colour channels for RGB', () => {
    const rgb = rgbaToRgb(rgba, 6, 1);
    expect(Array.from(rgb.subarray(0, 12))).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    expect(Array.from(rgb.subarray(12, 15))).toEqual([255, 255, 255]);
  });

  it('crops, converts and resizes in one pass (rgbaToTarget)', () => {
    // 6×4: a 1-px red border column on each side (cropped away), then a 4×4 interior
    // whose left half is black and right half white.
    const width = 6,
      height = 4;
    const px = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = x === 0 || x === 5 ? [255, 0, 0] : x < 3 ? [0, 0, 0] : [255, 255, 255];
        px.set([...v, 255], (y * width + x) * 4);
      }
    }
    expect(Array.from(rgbaToTarget(px, width, height, { width: 2, height: 2, channels: 1 }))).toEqual([0, 255, 0, 255]);
    const rgb = rgbaToTarget(px, width, height, { width: 1, height: 1, channels: 3 });
    expect(Array.from(rgb)).toEqual([127.5, 127.5, 127.5]);
  });
});
