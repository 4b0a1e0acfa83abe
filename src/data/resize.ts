/**
 * Pure pixel geometry and colour conversion: centre crop, exact area-average
 * resize, and RGBA → grayscale / RGB. No DOM, so it runs in a worker and in
 * Node tests alike.
 *
 * Float images here are interleaved HWC (row-major, channels last), the same
 * layout as ImageDataset.pixels, with intensities on the 0..255 scale.
 */

import type { ChannelCount } from './types';

/** A rectangle inside a source image, in whole pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The largest centred box of the given aspect ratio (width / height; 1 = square)
 * that fits inside a srcW × srcH image. Cropping before resizing keeps shapes
 * undistorted; centring keeps the subject, which photographers usually centre.
 * When the leftover margin is odd, the extra pixel goes to the right/bottom.
 */
export function centreCropBox(srcW: number, srcH: number, aspect = 1): CropBox {
  if (!(srcW > 0) || !(srcH > 0)) throw new RangeError(`Cannot crop a ${srcW}×${srcH} image.`);
  if (!(aspect > 0) || !Number.isFinite(aspect)) throw new RangeError(`Aspect ratio must be positive, got ${aspect}.`);
  let width = srcW;
  let height = srcH;
  if (srcW > srcH * aspect) {
    // Too wide: keep the full height, trim the sides.
    width = Math.min(srcW, Math.max(1, Math.round(srcH * aspect)));
  } else {
    // Too tall (or exact): keep the full width, trim top and bottom.
    height = Math.min(srcH, Math.max(1, Math.round(srcW / aspect)));
  }
  return { x: Math.floor((srcW - width) / 2), y: Math.floor((srcH - height) / 2), width, height };
}

/**
 * For each destination pixel along one axis, the source pixels it covers and
 * by how much. Coordinates are scaled by srcN·dstN so every boundary lands on
 * an integer: source pixel i spans [i·dstN, (i+1)·dstN) and destination pixel
 * d spans [d·srcN, (d+1)·srcN). Overlaps are therefore exact integers, and a
 * destination pixel's overlaps always add up to exactly srcN.
 */
interface AxisSpans {
  /** Spans of destination pixel d are entries start[d] .. start[d+1]-1. */
  start: Int32Array;
  source: Int32Array;
  overlap: Float64Array;
}

function axisSpans(srcN: number, dstN: number): AxisSpans {
  const start = new Int32Array(dstN + 1);
  const source: number[] = [];
  const overlap: number[] = [];
  for (let d = 0; d < dstN; d++) {
    start[d] = source.length;
    const lo = d * srcN;
    const hi = lo + srcN;
    const first = Math.floor(lo / dstN);
    const last = Math.ceil(hi / dstN) - 1;
    for (let i = first; i <= last; i++) {
      const o = Math.min(hi, (i + 1) * dstN) - Math.max(lo, i * dstN);
      if (o > 0) {
        source.push(i);
        overlap.push(o);
      }
    }
  }
  start[dstN] = source.length;
  return { start, source: Int32Array.from(source), overlap: Float64Array.from(overlap) };
}

/**
 * The streaming core of the area resize. Source rows are requested one at a
 * time, in increasing order and each exactly once, so a caller can convert a
 * huge RGBA image row by row without ever holding a full float copy of it.
 *
 * Each destination pixel is the exact area-weighted mean of the source pixels
 * under it, fractional coverage included. Because the resize is separable and
 * the weights are products of per-axis overlaps, doing x then y is exact too.
 */
export function resizeAreaRows(
  srcW: number,
  srcH: number,
  channels: number,
  dstW: number,
  dstH: number,
  readRow: (y: number, out: Float64Array) => void,
): Float32Array {
  for (const [name, v] of [
    ['srcW', srcW],
    ['srcH', srcH],
    ['dstW', dstW],
    ['dstH', dstH],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}.`);
  }
  const xs = axisSpans(srcW, dstW);
  const ys = axisSpans(srcH, dstH);
  const row = new Float64Array(srcW * channels);
  // The current source row reduced horizontally, still scaled by the x overlaps.
  const reduced = new Float64Array(dstW * channels);
  const acc = new Float64Array(dstW * channels);
  const out = new Float32Array(dstW * dstH * channels);
  // Overlap units: x by 1/dstW, y by 1/dstH, so a destination pixel has area srcW·srcH.
  const norm = 1 / (srcW * srcH);
  let loadedRow = -1;

  for (let dy = 0; dy < dstH; dy++) {
    acc.fill(0);
    for (let k = ys.start[dy]; k < ys.start[dy + 1]; k++) {
      const sy = ys.source[k];
      if (sy !== loadedRow) {
        // Spans are monotone, so rows arrive in order and each is loaded once.
        readRow(sy, row);
        loadedRow = sy;
        reduced.fill(0);
        for (let dx = 0; dx < dstW; dx++) {
          const o = dx * channels;
          for (let j = xs.start[dx]; j < xs.start[dx + 1]; j++) {
            const w = xs.overlap[j];
            const s = xs.source[j] * channels;
            for (let c = 0; c < channels; c++) reduced[o + c] += w * row[s + c];
          }
        }
      }
      const wy = ys.overlap[k];
      for (let i = 0; i < acc.length; i++) acc[i] += wy * reduced[i];
    }
    const base = dy * dstW * channels;
    for (let i = 0; i < acc.length; i++) out[base + i] = acc[i] * norm;
  }
  return out;
}

/**
 * Area-averaging resize of an interleaved HWC float image. Works for down-
 * and up-sampling (upsampling by an integer factor replicates pixels; other
 * factors blend the two neighbours by how much each covers).
 */
export function resizeArea(src: Float32Array, srcW: number, srcH: number, channels: number, dstW: number, dstH: number): Float32Array {
  if (src.length !== srcW * srcH * channels) {
    throw new RangeError(`Expected ${srcW}×${srcH}×${channels} = ${srcW * srcH * channels} values, got ${src.length}.`);
  }
  const rowLen = srcW * channels;
  return resizeAreaRows(srcW, srcH, channels, dstW, dstH, (y, out) => {
    for (let i = 0; i < rowLen; i++) out[i] = src[y * rowLen + i];
  });
}

/**
 * What transparent pixels are composited over. White is the default because
 * that is how browsers and image viewers show transparency, so the user
 * trains on what they saw. (MNIST-style white-on-black digits are opaque, so
 * the choice does not affect them.)
 */
export type Background = 'white' | 'black';
export const DEFAULT_BACKGROUND: Background = 'white';

function backgroundValue(background: Background): number {
  return background === 'white' ? 255 : 0;
}

/** ITU-R BT.601 luma weights, applied to the (gamma-encoded) sRGB values as stored. */
export const LUMA_R = 0.299;
export const LUMA_G = 0.587;
export const LUMA_B = 0.114;

/**
 * Converts `count` RGBA pixels starting at byte `from` into `channels` floats
 * each, compositing over `bg` with straight alpha. Since the luma weights sum
 * to 1, compositing then taking luma equals taking luma then compositing.
 */
function convertPixels(
  rgba: ArrayLike<number>,
  from: number,
  count: number,
  channels: ChannelCount,
  bg: number,
  out: Float32Array | Float64Array,
  outFrom: number,
): void {
  for (let p = 0; p < count; p++) {
    const s = from + p * 4;
    const a = rgba[s + 3] / 255;
    const keep = 1 - a;
    if (channels === 1) {
      const y = LUMA_R * rgba[s] + LUMA_G * rgba[s + 1] + LUMA_B * rgba[s + 2];
      out[outFrom + p] = a * y + keep * bg;
    } else {
      const o = outFrom + p * 3;
      out[o] = a * rgba[s] + keep * bg;
      out[o + 1] = a * rgba[s + 1] + keep * bg;
      out[o + 2] = a * rgba[s + 2] + keep * bg;
    }
  }
}

function checkRgba(rgba: ArrayLike<number>, width: number, height: number): void {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`Expected ${width}×${height}×4 = ${width * height * 4} RGBA bytes, got ${rgba.length}.`);
  }
}

/** RGBA → grayscale luma (BT.601), alpha composited over `background`. One float per pixel. */
export function rgbaToGray(rgba: ArrayLike<number>, width: number, height: number, background: Background = DEFAULT_BACKGROUND): Float32Array {
  checkRgba(rgba, width, height);
  const out = new Float32Array(width * height);
  convertPixels(rgba, 0, width * height, 1, backgroundValue(background), out, 0);
  return out;
}

/** RGBA → interleaved RGB floats, alpha composited over `background`. */
export function rgbaToRgb(rgba: ArrayLike<number>, width: number, height: number, background: Background = DEFAULT_BACKGROUND): Float32Array {
  checkRgba(rgba, width, height);
  const out = new Float32Array(width * height * 3);
  convertPixels(rgba, 0, width * height, 3, backgroundValue(background), out, 0);
  return out;
}

/**
 * The whole geometric pipeline for one decoded image: centre-crop to the
 * target's aspect ratio, convert to gray or RGB, and area-resize to the
 * target size. Works row by row from the RGBA bytes, so a 40-megapixel photo
 * needs no full-size float copy. Returns HWC floats on the 0..255 scale.
 */
export function rgbaToTarget(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  target: { width: number; height: number; channels: ChannelCount },
  background: Background = DEFAULT_BACKGROUND,
): Float32Array {
  checkRgba(rgba, width, height);
  const box = centreCropBox(width, height, target.width / target.height);
  const bg = backgroundValue(background);
  return resizeAreaRows(box.width, box.height, target.channels, target.width, target.height, (y, out) => {
    convertPixels(rgba, ((box.y + y) * width + box.x) * 4, box.width, target.channels, bg, out, 0);
  });
}
