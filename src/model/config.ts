/**
 * The architecture of a PixelCNN. Everything that changes the shape of a
 * weight lives here, so two models with equal configs can swap weights.
 */
export interface PixelCNNConfig {
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
  /** Number of kernelSize×kernelSize masked convolutions (the first uses mask A). */
  layers: number;
  /** Odd side length of the masked convolution kernels. */
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
}

/** A small default that trains in the browser on a laptop GPU. */
export const DEFAULT_CONFIG: PixelCNNConfig = {
  height: 28,
  width: 28,
  colorChannels: 1,
  levels: 256,
  hiddenChannels: 32,
  layers: 7,
  kernelSize: 7,
  headChannels: 128,
  inputEmbedding: 8,
};

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
  requireInteger(config.height, 'height', 1, 256);
  requireInteger(config.width, 'width', 1, 256);
  if (config.colorChannels !== 1 && config.colorChannels !== 3) {
    throw new ConfigError(`colorChannels must be 1 or 3, got ${String(config.colorChannels)}.`);
  }
  requireInteger(config.levels, 'levels', 2, 256);
  requireInteger(config.hiddenChannels, 'hiddenChannels', 1, 1024);
  requireInteger(config.layers, 'layers', 1, 64);
  requireInteger(config.kernelSize, 'kernelSize', 1, 15);
  if (config.kernelSize % 2 === 0) {
    throw new ConfigError(`kernelSize must be odd so the kernel has a centre tap, got ${config.kernelSize}.`);
  }
  requireInteger(config.headChannels, 'headChannels', 0, 1024);
  if (config.headChannels % config.colorChannels !== 0) {
    throw new ConfigError(
      `headChannels (${config.headChannels}) must be divisible by colorChannels (${config.colorChannels}) ` +
        'so the head splits evenly into R, G and B groups.',
    );
  }
  requireInteger(config.inputEmbedding, 'inputEmbedding', 0, 64);
  if (config.hiddenChannels % config.colorChannels !== 0) {
    throw new ConfigError(
      `hiddenChannels (${config.hiddenChannels}) must be divisible by colorChannels (${config.colorChannels}) ` +
        'so the features split evenly into R, G and B groups.',
    );
  }
}

/**
 * One line naming an architecture, e.g. "28×28 grayscale, 256 levels
 * embedded in 8 channels, 7 layers of 32 channels, 7×7 kernels, a
 * 128-channel 1×1 head".
 */
export function describeConfig(config: PixelCNNConfig): string {
  const colour = config.colorChannels === 3 ? 'RGB' : 'grayscale';
  return (
    `${config.width}×${config.height} ${colour}, ${config.levels} levels` +
    (config.inputEmbedding > 0 ? ` embedded in ${config.inputEmbedding} channels` : '') +
    ', ' +
    `${config.layers} layers of ${config.hiddenChannels} channels, ${config.kernelSize}×${config.kernelSize} kernels` +
    (config.headChannels > 0 ? `, a ${config.headChannels}-channel 1×1 head` : '')
  );
}

export function sameArchitecture(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return CONFIG_FIELDS.every((field) => a[field] === b[field]);
}
