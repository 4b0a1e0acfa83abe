import { noClassLabel, type PixelCNNConfig } from './config';
import { guidanceAtRow, guidanceUnavailable } from './guidance';
import { sampleCategorical, seededRandom } from './random';

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
  /**
   * One class label per image, 0..classes-1; required by a conditional model
   * (config.classes > 0). A model with a "no class" row also takes
   * `classes` itself, for an image drawn with no class.
   */
  labels?: Int32Array;
  /**
   * Classifier-free guidance weight w (default 1): each sub-pixel is drawn
   * from logits_u + w·(logits_c − logits_u), where logits_c are the logits
   * given the image's label and logits_u given "no class". 1 is the plain
   * conditional model, 0 the unconditional one, above 1 sharpens the class;
   * a weight above 1 fades to 1 over the bottom rows (guidanceAtRow).
   * Any w but 1 needs a model with a "no class" row (config.labelDropout > 0).
   * A guided run (w neither 0 nor 1) runs the network on twice the images.
   */
  guidance?: number;
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
  /** The logits each image's level was drawn from, count × levels (before temperature; guided when guidance is on). */
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
  const top = noClassLabel(model.config) ?? classes - 1;
  for (const label of labels) {
    if (!(Number.isInteger(label) && label >= 0 && label <= top)) throw new Error(`Label ${label} is not a class of this model (0 to ${classes - 1}).`);
  }
  return labels;
}

/** How a run applies guidance: 'plain' (w = 1, or an unconditional model), 'unconditional' (w = 0) or 'guided'. */
export type GuidanceMode = 'plain' | 'unconditional' | 'guided';

/** The guidance mode of a run, checked against the model: w must be a finite number ≥ 0, and w ≠ 1 needs a "no class" row. */
export function guidanceMode(config: PixelCNNConfig, guidance: number | undefined): GuidanceMode {
  const w = guidance ?? 1;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new Error(`Guidance must be a number of at least 0, got ${String(w)}.`);
  if (w === 1) return 'plain';
  const unavailable = guidanceUnavailable(config);
  if (unavailable) throw new Error(unavailable);
  return w === 0 ? 'unconditional' : 'guided';
}

/**
 * A new sampling run: the state every sampler shares (the canvas of
 * levels, the labels, the dice) and the draw of each sub-pixel from the
 * network's logits. Each sampler (referenceSampler.ts, incrementalSampler.ts,
 * gatedIncrementalSampler.ts) computes the logits its own way and draws
 * with this run's `draw`.
 *
 * The network runs on `batch` images: `count`, or for a guided run 2·count,
 * the images with their labels then the same images with "no class". Both
 * halves always hold the same levels: `draw` writes each drawn level into
 * both. `pixels` holds all `batch` images; `images` is the first `count`,
 * what the run returns.
 */
export function samplingRun(model: { config: PixelCNNConfig }, options: SampleOptions) {
  const { height, width, colorChannels, levels } = model.config;
  const count = options.count;
  const asked = samplingLabels(model, options);
  const mode = guidanceMode(model.config, options.guidance);
  const w = options.guidance ?? 1;
  const noClass = noClassLabel(model.config) ?? 0;
  const batch = mode === 'guided' ? 2 * count : count;
  let labels = asked;
  if (asked && mode === 'unconditional') labels = new Int32Array(count).fill(noClass);
  if (asked && mode === 'guided') {
    labels = new Int32Array(batch).fill(noClass);
    labels.set(asked);
  }
  const perImage = height * width * colorChannels;
  const pixels = new Int32Array(batch * perImage);
  const images = pixels.subarray(0, count * perImage);
  const start = options.prefix ? Math.min(options.prefix.length, perImage) : 0;
  if (options.prefix) {
    if (options.prefix.pixels.length !== images.length) {
      throw new Error(`Completion prefix has ${options.prefix.pixels.length} values, expected ${images.length}.`);
    }
    for (let b = 0; b < batch; b++) {
      const from = (b % count) * perImage;
      pixels.set(options.prefix.pixels.subarray(from, from + start), b * perImage);
    }
  }
  const random = seededRandom(options.seed);
  const values = new Int32Array(count);
  const mixed = mode === 'guided' ? new Float32Array(count * levels) : null;
  let drawnFrom: Float32Array = mixed ?? new Float32Array(0);

  /**
   * Draws sub-pixel `index` of every image from `logits` ([batch, levels],
   * the network's output for the batch): guided logits mixed per image, one
   * uniform per image in image order, the level written to every copy of
   * the image. Returns the levels drawn, one per image.
   */
  function draw(index: number, logits: Float32Array): Int32Array {
    drawnFrom = logits;
    if (mixed) {
      const half = count * levels;
      const wRow = guidanceAtRow(w, Math.floor(index / (width * colorChannels)), height);
      for (let i = 0; i < half; i++) {
        const u = logits[half + i];
        mixed[i] = u + wRow * (logits[i] - u);
      }
      drawnFrom = mixed;
    }
    for (let b = 0; b < count; b++) {
      const value = sampleCategorical(drawnFrom, b * levels, levels, options.temperature, random());
      values[b] = value;
      for (let copy = b; copy < batch; copy += count) pixels[copy * perImage + index] = value;
    }
    return values;
  }

  /** What onSubPixel is told after sub-pixel `index` was drawn. */
  function step(index: number): SubPixelStep {
    return { ...subPixelAt(index, width, colorChannels), index, values, pixels: images, logits: drawnFrom };
  }

  return { pixels, images, perImage, start, labels, batch, count, draw, step };
}
