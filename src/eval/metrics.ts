/**
 * Shape measures of grayscale digit images, and the shares `npm run eval`
 * reports. Pure functions on bytes (0 = black paper, 255 = white ink, as the
 * built-in digits are stored), so they are tested on tiny hand-drawn images.
 */

/** A stack of grayscale images of bytes 0..255, back to back, row-major. */
export interface GrayImages {
  width: number;
  height: number;
  count: number;
  pixels: Uint8Array;
}

function imageAt(images: GrayImages, n: number): Uint8Array {
  const size = images.width * images.height;
  return images.pixels.subarray(n * size, (n + 1) * size);
}

function checkImages(images: GrayImages): void {
  const { width, height, count, pixels } = images;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0 && Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`Bad image geometry ${width}×${height}, count ${count}.`);
  }
  if (pixels.length !== width * height * count) {
    throw new RangeError(`Expected ${count} images of ${width}×${height} (${width * height * count} bytes), got ${pixels.length}.`);
  }
}

/** True when some pixel of the image's last row is at least `threshold`. */
export function hasLastRowInk(image: Uint8Array, width: number, height: number, threshold: number): boolean {
  const start = (height - 1) * width;
  for (let x = 0; x < width; x++) if (image[start + x] >= threshold) return true;
  return false;
}

/**
 * The number of strokes in an image: 8-connected groups of pixels at or
 * above `threshold`, counting only groups of at least `minPixels` pixels (so
 * specks of one or two pixels are not strokes).
 */
export function countStrokes(image: Uint8Array, width: number, height: number, threshold: number, minPixels: number): number {
  const seen = new Uint8Array(width * height);
  const stack: number[] = [];
  let strokes = 0;
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || image[start] < threshold) continue;
    seen[start] = 1;
    stack.push(start);
    let size = 0;
    while (stack.length > 0) {
      const at = stack.pop()!;
      size++;
      const y = Math.floor(at / width);
      const x = at - y * width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (!seen[next] && image[next] >= threshold) {
            seen[next] = 1;
            stack.push(next);
          }
        }
      }
    }
    if (size >= minPixels) strokes++;
  }
  return strokes;
}

/** Fraction of `flags` that are true (0 for none). */
export function shareTrue(flags: ArrayLike<boolean>): number {
  if (flags.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) n++;
  return n / flags.length;
}

/** Thresholds of the shape measures (bytes, 0..255). */
export interface ShapeSettings {
  /** A pixel of the last row at or above this is ink. */
  lastRowThreshold: number;
  /** Pixels at or above this make strokes. */
  strokeThreshold: number;
  /** Smaller groups are specks, not strokes. */
  minStrokePixels: number;
}

/**
 * Ink is a byte of at least 96 (of 255), for both measures. On the 1,000
 * held-out digits of the app's split this gives 1.2% with ink in the last row
 * and 1.0% in two or more strokes; any threshold from 1 to 128 gives 0.8–1.5%
 * for the last row, while strokes split more often above 128 (1.9% at 128, 7%
 * at 192) as faint joins drop out. `npm run eval` prints the real digits'
 * figures next to every model's.
 */
export const DEFAULT_SHAPE_SETTINGS: ShapeSettings = {
  lastRowThreshold: 96,
  strokeThreshold: 96,
  minStrokePixels: 3,
};

export interface ShapeFigures {
  /** Share of images with ink in the last row. */
  lastRowInk: number;
  /** Share of images in two or more strokes. */
  brokenStrokes: number;
  /** Share of images with no stroke at all (blank or only specks). */
  noStroke: number;
}

export function shapeFigures(images: GrayImages, settings: ShapeSettings = DEFAULT_SHAPE_SETTINGS): ShapeFigures {
  checkImages(images);
  const { width, height, count } = images;
  let ink = 0;
  let broken = 0;
  let empty = 0;
  for (let n = 0; n < count; n++) {
    const image = imageAt(images, n);
    if (hasLastRowInk(image, width, height, settings.lastRowThreshold)) ink++;
    const strokes = countStrokes(image, width, height, settings.strokeThreshold, settings.minStrokePixels);
    if (strokes >= 2) broken++;
    if (strokes === 0) empty++;
  }
  const share = (k: number): number => (count === 0 ? 0 : k / count);
  return { lastRowInk: share(ink), brokenStrokes: share(broken), noStroke: share(empty) };
}

/** How a classifier read a set of images: its top class and that class's probability, per image. */
export interface Readings {
  classes: number;
  top: Int32Array;
  confidence: Float32Array;
}

/** Top class and its probability from row-major [count, classes] probabilities. */
export function readingsFromProbabilities(probabilities: ArrayLike<number>, classes: number): Readings {
  if (!(Number.isInteger(classes) && classes > 0) || probabilities.length % classes !== 0) {
    throw new RangeError(`${probabilities.length} probabilities do not split into rows of ${classes}.`);
  }
  const count = probabilities.length / classes;
  const top = new Int32Array(count);
  const confidence = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probabilities[n * classes + k] > probabilities[n * classes + best]) best = k;
    top[n] = best;
    confidence[n] = probabilities[n * classes + best];
  }
  return { classes, top, confidence };
}

/** Share of images the classifier reads as some class with probability at least `threshold`. */
export function confidentShare(readings: Readings, threshold: number): number {
  return shareTrue(Array.from(readings.confidence, (p) => p >= threshold));
}

export interface AskedFigures {
  /** Share read as the asked-for class with probability at least the threshold. */
  confident: number;
  /** Share whose most likely class is the asked-for one. */
  argmax: number;
}

/** How often the classifier reads each image as the class it was meant to be. */
export function askedForShares(readings: Readings, asked: ArrayLike<number>, threshold: number): AskedFigures {
  const count = readings.top.length;
  if (asked.length !== count) throw new RangeError(`${asked.length} labels for ${count} readings.`);
  let confident = 0;
  let argmax = 0;
  for (let n = 0; n < count; n++) {
    if (readings.top[n] !== asked[n]) continue;
    argmax++;
    if (readings.confidence[n] >= threshold) confident++;
  }
  return count === 0 ? { confident: 0, argmax: 0 } : { confident: confident / count, argmax: argmax / count };
}

/**
 * Entropy in bits of a distribution over classes given as counts (or any
 * non-negative weights): log2(classes) when every class is equally common,
 * 0 when one class takes all. 0 for no counts at all.
 */
export function entropyBits(counts: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k];
  if (!(total > 0)) return 0;
  let bits = 0;
  for (let k = 0; k < counts.length; k++) {
    const p = counts[k] / total;
    if (p > 0) bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * How diverse a set of draws is, by class: the entropy (bits) of the classes
 * the classifier reads them as (its top guess for each). Draws that cover the
 * ten digits evenly score log2(10) ≈ 3.32; draws that all look like one digit
 * score 0.
 */
export function readClassEntropy(readings: Readings): number {
  const counts = new Array<number>(readings.classes).fill(0);
  for (const top of readings.top) counts[top]++;
  return entropyBits(counts);
}
