/**
 * The architecture of a PixelCNN. Everything that changes the shape of a
 * weight lives here, so two models with equal configs can swap weights.
 */
export interface PixelCNNConfig {
  /**
   * 'pixelcnn': a stack of masked convolutions (mask A, then mask B), which
   * has a blind spot up and to the right of each pixel. 'gated': the Gated
   * PixelCNN's vertical and horizontal stacks with gated units, which has
   * none. docs/ARCHITECTURES.md spells both out.
   */
  architecture: Architecture;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** 1 for grayscale, 3 for RGB (generated in the order R, G, B). */
  colorChannels: 1 | 3;
  /** Number of intensity levels per sub-pixel; the softmax has this many classes. */
  levels: number;
  /** Feature width of every hidden layer; must be divisible by colorChannels. */
  hiddenChannels: number;
  /** Number of layers in the stack, the first (mask A) included. */
  layers: number;
  /** Odd side length of the first layer's kernel. */
  firstKernelSize: number;
  /** Odd side length of the kernels of every later layer. */
  kernelSize: number;
  /**
   * Width of a 1×1 ReLU layer between the convolution stack and the logits,
   * or 0 to compute the logits straight from the stack. The 256-way softmax
   * of every sub-pixel is read off these features, so a wider head lets the
   * model shape sharper and many-peaked distributions for a small cost: it
   * sees one position, not a 7×7 neighbourhood.
   */
  headChannels: number;
  /**
   * Width of the learned vector each sub-pixel's level is looked up as
   * before the first layer, or 0 to feed the level as one number scaled to
   * [-1, 1]. A table row per level lets the first layer tell apart values a
   * scaled number puts side by side (0 from 1, 254 from 255), which the
   * piecewise-linear layers above can only do with many units; on MNIST that
   * is worth far more than a wider network.
   */
  inputEmbedding: number;
  /**
   * A learned bias per row and per column, added in the first layer, so the
   * model knows where it is: without it, a stack that sees r rows up cannot
   * tell row H−1 from row H−4 once the top edge is out of sight, and cannot
   * know that the image is about to end.
   */
  position: boolean;
  /**
   * Number of classes a label may take, 0 for an unconditional model. Each
   * layer of a conditional model has a learned bias per class, so a label
   * shifts every layer; training and sampling then need a label per image.
   */
  classes: number;
}

export type Architecture = 'pixelcnn' | 'gated';

export const ARCHITECTURES: readonly Architecture[] = ['pixelcnn', 'gated'];

/**
 * The app's default: the architecture of the shipped digits model, a Gated
 * PixelCNN that knows where it is and draws the digit it is asked for.
 */
export const DEFAULT_CONFIG: PixelCNNConfig = {
  architecture: 'gated',
  height: 28,
  width: 28,
  colorChannels: 1,
  levels: 256,
  hiddenChannels: 32,
  layers: 6,
  firstKernelSize: 7,
  kernelSize: 3,
  headChannels: 128,
  inputEmbedding: 8,
  position: true,
  classes: 10,
};

/**
 * Fields a config may lack because it was written before they existed, and
 * what such a model had instead: logits straight from the stack (no head),
 * levels fed in as scaled numbers (no embedding), the PixelCNN with one
 * kernel size throughout, no position and no classes.
 */
export function withLaterFields(config: Record<string, unknown>): Record<string, unknown> {
  return {
    architecture: 'pixelcnn',
    headChannels: 0,
    inputEmbedding: 0,
    position: false,
    classes: 0,
    firstKernelSize: config.kernelSize,
    ...config,
  };
}

/** True when `value` has every config field with a value of the right kind (ranges are validateConfig's job). */
export function isConfigShape(value: unknown): value is PixelCNNConfig {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return CONFIG_FIELDS.every((field) => typeof record[field] === typeof DEFAULT_CONFIG[field]);
}

/**
 * Every field of a config, in one list: the checks, copies and comparisons
 * that walk a config use it, so a new field cannot be missed by one of them.
 * (DEFAULT_CONFIG's type requires it to have every field.)
 */
export const CONFIG_FIELDS = Object.keys(DEFAULT_CONFIG) as Array<keyof PixelCNNConfig>;

/** Thrown for a config that cannot describe a causal PixelCNN. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function requireInteger(value: unknown, name: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}.`);
  }
}

/** Throws a ConfigError naming the first field that is out of range. */
export function validateConfig(config: PixelCNNConfig): void {
  if (!ARCHITECTURES.includes(config.architecture)) {
    throw new ConfigError(`architecture must be one of ${ARCHITECTURES.join(', ')}, got ${String(config.architecture)}.`);
  }
  requireInteger(config.height, 'height', 1, 256);
  requireInteger(config.width, 'width', 1, 256);
  if (config.colorChannels !== 1 && config.colorChannels !== 3) {
    throw new ConfigError(`colorChannels must be 1 or 3, got ${String(config.colorChannels)}.`);
  }
  requireInteger(config.levels, 'levels', 2, 256);
  requireInteger(config.hiddenChannels, 'hiddenChannels', 1, 1024);
  requireInteger(config.layers, 'layers', 1, 64);
  for (const field of ['firstKernelSize', 'kernelSize'] as const) {
    requireInteger(config[field], field, 1, 15);
    if (config[field] % 2 === 0) {
      throw new ConfigError(`${field} must be odd so the kernel has a centre tap, got ${config[field]}.`);
    }
  }
  requireInteger(config.headChannels, 'headChannels', 0, 1024);
  if (config.headChannels % config.colorChannels !== 0) {
    throw new ConfigError(
      `headChannels (${config.headChannels}) must be divisible by colorChannels (${config.colorChannels}) ` +
        'so the head splits evenly into R, G and B groups.',
    );
  }
  requireInteger(config.inputEmbedding, 'inputEmbedding', 0, 64);
  if (typeof config.position !== 'boolean') throw new ConfigError(`position must be true or false, got ${String(config.position)}.`);
  requireInteger(config.classes, 'classes', 0, 1000);
  if (config.hiddenChannels % config.colorChannels !== 0) {
    throw new ConfigError(
      `hiddenChannels (${config.hiddenChannels}) must be divisible by colorChannels (${config.colorChannels}) ` +
        'so the features split evenly into R, G and B groups.',
    );
  }
}

/**
 * One line naming an architecture, e.g. "Gated PixelCNN, 28×28 grayscale,
 * 256 levels embedded in 8 channels, 6 layers of 32 channels, 7×7 then 3×3
 * kernels, a 128-channel 1×1 head, position, 10 classes".
 */
export function describeConfig(config: PixelCNNConfig): string {
  const colour = config.colorChannels === 3 ? 'RGB' : 'grayscale';
  const k0 = config.firstKernelSize;
  const k = config.kernelSize;
  const kernels = k0 === k || config.layers === 1 ? `${k0}×${k0} kernels` : `${k0}×${k0} then ${k}×${k} kernels`;
  return (
    `${config.architecture === 'gated' ? 'Gated PixelCNN' : 'PixelCNN'}, ` +
    `${config.width}×${config.height} ${colour}, ${config.levels} levels` +
    (config.inputEmbedding > 0 ? ` embedded in ${config.inputEmbedding} channels` : '') +
    ', ' +
    `${config.layers} layers of ${config.hiddenChannels} channels, ${kernels}` +
    (config.headChannels > 0 ? `, a ${config.headChannels}-channel 1×1 head` : '') +
    (config.position ? ', position' : '') +
    (config.classes > 0 ? `, ${config.classes} classes` : '')
  );
}

export function sameArchitecture(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return CONFIG_FIELDS.every((field) => a[field] === b[field]);
}
