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
  /**
   * The share of training images whose label is replaced by "no class",
   * 0 for none. A conditional model trained this way learns the
   * unconditional prediction too, in one extra row of every class table
   * (label `classes`), and can then be sampled with classifier-free
   * guidance: logits_u + w·(logits_c − logits_u). An unconditional model
   * (classes 0) has no label to drop and ignores it.
   */
  labelDropout: number;
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
  labelDropout: 0.15,
};

/** The largest label dropout a config may ask for: above it a model learns its classes from too few labelled images. */
export const MAX_LABEL_DROPOUT = 0.5;

/** How one config field is shown, checked and read from older files. */
export interface ConfigFieldSpec {
  /** The Model panel's label; ConfigError messages are reworded to it for the form. */
  label: string;
  /** A few words under the control, for a newcomer. */
  hint: string;
  /** For number fields, the range validateConfig allows (whole numbers unless `fraction`). */
  range?: { min: number; max: number };
  /** A number field that takes fractions (the others take whole numbers). */
  fraction?: boolean;
  /**
   * For fields added after the first model files: what a file written before
   * the field existed had instead, given the rest of its config.
   */
  older?: (config: Record<string, unknown>) => unknown;
}

/**
 * Every field declared once: the Model panel walks it for labels, hints and
 * ranges, validateConfig checks the ranges, and withLaterFields fills in what
 * older files lack (logits straight from the stack, levels fed in as scaled
 * numbers, the PixelCNN with one kernel size throughout, no position, no classes).
 */
export const CONFIG_SPEC: { readonly [K in keyof PixelCNNConfig]: ConfigFieldSpec } = {
  architecture: { label: 'Architecture', hint: 'how each pixel sees the pixels before it', older: () => 'pixelcnn' },
  height: { label: 'Image size', hint: 'pixels per side', range: { min: 1, max: 256 } },
  width: { label: 'Image size', hint: 'pixels per side', range: { min: 1, max: 256 } },
  colorChannels: { label: 'Colour channels', hint: 'RGB draws R, G, B in turn' },
  levels: { label: 'Levels', hint: 'shades per channel', range: { min: 2, max: 256 } },
  hiddenChannels: { label: 'Hidden channels', hint: 'width of each layer', range: { min: 1, max: 1024 } },
  layers: { label: 'Layers', hint: 'masked convolutions, the first included', range: { min: 1, max: 64 } },
  firstKernelSize: {
    label: 'First kernel',
    hint: 'how far the first layer looks',
    range: { min: 1, max: 15 },
    older: (config) => config.kernelSize,
  },
  kernelSize: { label: 'Kernel size', hint: 'how far each later layer looks', range: { min: 1, max: 15 } },
  headChannels: { label: 'Head channels', hint: '1×1 layer before the softmax; 0 for none', range: { min: 0, max: 1024 }, older: () => 0 },
  inputEmbedding: {
    label: 'Level embedding',
    hint: 'a learned vector per input level; 0 feeds the level as a number',
    range: { min: 0, max: 64 },
    older: () => 0,
  },
  position: { label: 'Position', hint: 'a learned bias per row and column, so the model knows where in the image it is', older: () => false },
  classes: { label: 'Classes', hint: 'a learned bias per class in every layer, so you can ask for a class', range: { min: 0, max: 1000 }, older: () => 0 },
  labelDropout: {
    label: 'Label dropout',
    hint: 'share of training images shown with "no class", so guidance can sharpen the class; 0 for none',
    range: { min: 0, max: MAX_LABEL_DROPOUT },
    fraction: true,
    older: () => 0,
  },
};

/** True when a model's class tables have a "no class" row (label dropout trains it), so it can be sampled with guidance. */
export function hasNoClassRow(config: PixelCNNConfig): boolean {
  return config.classes > 0 && config.labelDropout > 0;
}

/** Rows of every class table: one per class, then the "no class" row when the model has one. */
export function classRows(config: PixelCNNConfig): number {
  return config.classes + (hasNoClassRow(config) ? 1 : 0);
}

/** The label that stands for "no class" (the last row of every class table), or null when the model has no such row. */
export function noClassLabel(config: PixelCNNConfig): number | null {
  return hasNoClassRow(config) ? config.classes : null;
}

/**
 * A whole-number config field as the app's number fields take a setting
 * (the shape of NumberSetting in src/worker/settings.ts): its label, hint
 * and CONFIG_SPEC range.
 */
export function configNumberSetting(field: keyof PixelCNNConfig): { label: string; hint: string; min: number; max: number; integer: boolean; step: number } {
  const spec = CONFIG_SPEC[field];
  if (!spec.range) throw new Error(`${field} is not a number field.`);
  const integer = !spec.fraction;
  return { label: spec.label, hint: spec.hint, min: spec.range.min, max: spec.range.max, integer, step: integer ? 1 : 0.05 };
}

/** A config as read from an older file or store, with the fields added since then filled in (CONFIG_SPEC's `older`). */
export function withLaterFields(config: Record<string, unknown>): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(CONFIG_SPEC)) if (spec.older) filled[field] = spec.older(config);
  return { ...filled, ...config };
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

/** Checks a whole-number field against its range in CONFIG_SPEC. */
function requireInteger(config: PixelCNNConfig, name: keyof PixelCNNConfig): void {
  const value: unknown = config[name];
  const { min, max } = CONFIG_SPEC[name].range!;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}.`);
  }
}

/** Throws a ConfigError naming the first field that is out of range. */
export function validateConfig(config: PixelCNNConfig): void {
  if (!ARCHITECTURES.includes(config.architecture)) {
    throw new ConfigError(`architecture must be one of ${ARCHITECTURES.join(', ')}, got ${String(config.architecture)}.`);
  }
  requireInteger(config, 'height');
  requireInteger(config, 'width');
  if (config.colorChannels !== 1 && config.colorChannels !== 3) {
    throw new ConfigError(`colorChannels must be 1 or 3, got ${String(config.colorChannels)}.`);
  }
  requireInteger(config, 'levels');
  requireInteger(config, 'hiddenChannels');
  requireInteger(config, 'layers');
  for (const field of ['firstKernelSize', 'kernelSize'] as const) {
    requireInteger(config, field);
    if (config[field] % 2 === 0) {
      throw new ConfigError(`${field} must be odd so the kernel has a centre tap, got ${config[field]}.`);
    }
  }
  requireInteger(config, 'headChannels');
  if (config.headChannels % config.colorChannels !== 0) {
    throw new ConfigError(
      `headChannels (${config.headChannels}) must be divisible by colorChannels (${config.colorChannels}) ` +
        'so the head splits evenly into R, G and B groups.',
    );
  }
  requireInteger(config, 'inputEmbedding');
  if (typeof config.position !== 'boolean') throw new ConfigError(`position must be true or false, got ${String(config.position)}.`);
  requireInteger(config, 'classes');
  const dropout: unknown = config.labelDropout;
  if (typeof dropout !== 'number' || !Number.isFinite(dropout) || dropout < 0 || dropout > MAX_LABEL_DROPOUT) {
    throw new ConfigError(`labelDropout must be a number from 0 to ${MAX_LABEL_DROPOUT}, got ${String(dropout)}.`);
  }
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
    (config.classes > 0 ? `, ${config.classes} classes` : '') +
    (hasNoClassRow(config) ? ` (${Math.round(config.labelDropout * 100)}% of labels dropped, so it can be guided)` : '')
  );
}

export function sameArchitecture(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return CONFIG_FIELDS.every((field) => a[field] === b[field]);
}
