import type { PixelCNNConfig } from './config';
import { seededRandom } from './random';

/**
 * What every sampler shares, with no tfjs (the worker's first grid runs
 * before tfjs has loaded).
 *
 * Autoregressive sampling in generation order: row by row, left to right,
 * and within a pixel R, then G, then B. Each sub-pixel is drawn from the
 * network's softmax given everything drawn before it.
 *
 * Randomness: one uniform draw per (sub-pixel, image), taken in generation
 * order then image order, from a generator seeded by `seed`. Any sampler
 * that consumes draws in this order and computes the same logits produces
 * the same images.
 */
export interface SampleOptions {
  /** Number of images sampled together as one batch. */
  count: number;
  seed: number;
  /** Softmax temperature: 1 samples the model, lower is greedier, 0 is argmax. */
  temperature: number;
  /** One class label per image, 0..classes-1; required by a conditional model (config.classes > 0). */
  labels?: Int32Array;
  /**
   * Known leading sub-pixels to continue from: `pixels` holds whole images
   * ([count, H, W, C] flattened); the first `length` sub-pixels of each, in
   * generation order, are kept and the rest are sampled.
   */
  prefix?: { pixels: Int32Array; length: number };
  /** Called after each sub-pixel with the levels just drawn, one per image. */
  onSubPixel?: (step: SubPixelStep) => void | Promise<void>;
  /** Polled before each sub-pixel; returning true ends sampling early. */
  shouldStop?: () => boolean;
}

export interface SubPixelStep {
  row: number;
  col: number;
  channel: number;
  /** Index in generation order: (row · W + col) · C + channel. */
  index: number;
  /** The level drawn for each image. */
  values: Int32Array;
  /** The logits each image's level was drawn from, count × levels (before temperature). */
  logits: Float32Array;
  /** All images so far, [count, H, W, C] flattened; read-only for the callback. */
  pixels: Int32Array;
}

export interface SampleResult {
  /** [count, H, W, C] flattened levels. */
  pixels: Int32Array;
  /** Sub-pixels completed per image (less than H·W·C when stopped early). */
  completed: number;
}

/** Where sub-pixel `index` (in generation order) lies: its row, column and colour channel. */
export function subPixelAt(index: number, width: number, colorChannels: number): { row: number; col: number; channel: number } {
  const channel = index % colorChannels;
  const position = (index - channel) / colorChannels;
  return { row: Math.floor(position / width), col: position % width, channel };
}

/** The labels of a sampling run, checked against the model: one per image for a conditional model, else none. */
export function samplingLabels(model: { config: PixelCNNConfig }, options: SampleOptions): Int32Array | null {
  const { classes } = model.config;
  if (classes === 0) return null;
  const labels = options.labels;
  if (!labels) throw new Error(`This model draws one of ${classes} classes: say which class each image should be.`);
  if (labels.length !== options.count) throw new Error(`${labels.length} labels for ${options.count} images.`);
  for (const label of labels) {
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new Error(`Label ${label} is not a class of this model (0 to ${classes - 1}).`);
  }
  return labels;
}

/** The state every sampler shares: the canvas of levels, the labels and the dice. */
export function startSampling(model: { config: PixelCNNConfig }, options: SampleOptions) {
  const { height, width, colorChannels } = model.config;
  const labels = samplingLabels(model, options);
  const perImage = height * width * colorChannels;
  const pixels = new Int32Array(options.count * perImage);
  const start = options.prefix ? Math.min(options.prefix.length, perImage) : 0;
  if (options.prefix) {
    if (options.prefix.pixels.length !== pixels.length) {
      throw new Error(`Completion prefix has ${options.prefix.pixels.length} values, expected ${pixels.length}.`);
    }
    for (let b = 0; b < options.count; b++) {
      pixels.set(options.prefix.pixels.subarray(b * perImage, b * perImage + start), b * perImage);
    }
  }
  return { pixels, perImage, start, labels, random: seededRandom(options.seed) };
}

