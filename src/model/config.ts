import { gotText } from './valueText';

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

/** The largest label dropout a config may ask for: above it a model learns its classes from too few labelled images. */
export const MAX_LABEL_DROPOUT = 0.5;

/**
 * How one config field is declared: its default, how it is shown, what
 * validateConfig allows, and how older files are read. The kind of value
 * follows from the declaration: one of `choices`; a number in `range`
 * (whole unless `fraction`); else true or false.
 */
export interface ConfigFieldSpec<T = unknown> {
  /** The Model panel's label; ConfigError messages are reworded to it for the form. */
  label: string;
  /** A few words under the control, for a newcomer. */
  hint: string;
  /** The app's default (DEFAULT_CONFIG is these). */
  default: T;
  /** For number fields, the range validateConfig allows (whole numbers unless `fraction`). */
  range?: { min: number; max: number };
  /** A number field that takes fractions (the others take whole numbers). */
  fraction?: boolean;
  /** For a field that takes one of a few values: each value, and its name in the form. */
  choices?: ReadonlyArray<{ value: T; name: string }>;
  /** A kernel size: odd, so the kernel has a centre tap. */
  odd?: boolean;
  /** A width that splits into R, G and B groups, so divisible by colorChannels: what splits, for the message ("the features"). */
  colourGroups?: string;
  /**
   * For fields added after the first model files: what a file written before
   * the field existed had instead, given the rest of its config.
   */
  older?: (config: Record<string, unknown>) => unknown;
}

/**
 * Every field declared once, with its default: DEFAULT_CONFIG and
 * CONFIG_FIELDS are read off it, the Model panel builds its form from it,
 * validateConfig walks it, withLaterFields fills in what older files lack
 * (logits straight from the stack, levels fed in as scaled numbers, the
 * PixelCNN with one kernel size throughout, no position, no classes), and
 * the PyTorch twin's tests check python/pixelcnn_studio/config.py against
 * it. The defaults are the shipped digits model's architecture: a Gated
 * PixelCNN that knows where it is and draws the digit it is asked for.
 */
export const CONFIG_SPEC: { readonly [K in keyof PixelCNNConfig]: ConfigFieldSpec<PixelCNNConfig[K]> } = {
  architecture: {
    label: 'Architecture',
    hint: 'how each pixel sees the pixels before it',
    default: 'gated',
    choices: [
      { value: 'pixelcnn', name: 'PixelCNN' },
      { value: 'gated', name: 'Gated PixelCNN' },
    ],
    older: () => 'pixelcnn',
  },
  height: { label: 'Image size', hint: 'pixels per side', default: 28, range: { min: 1, max: 256 } },
  width: { label: 'Image size', hint: 'pixels per side', default: 28, range: { min: 1, max: 256 } },
  colorChannels: {
    label: 'Colour channels',
    hint: 'RGB draws R, G, B in turn',
    default: 1,
    choices: [
      { value: 1, name: 'Grayscale' },
      { value: 3, name: 'RGB' },
    ],
  },
  levels: { label: 'Levels', hint: 'shades per channel', default: 256, range: { min: 2, max: 256 } },
  hiddenChannels: { label: 'Hidden channels', hint: 'width of each layer', default: 32, range: { min: 1, max: 1024 }, colourGroups: 'the features split' },
  layers: { label: 'Layers', hint: 'masked convolutions, the first included', default: 6, range: { min: 1, max: 64 } },
  firstKernelSize: {
    label: 'First kernel',
    hint: 'how far the first layer looks',
    default: 7,
    range: { min: 1, max: 15 },
    odd: true,
    older: (config) => config.kernelSize,
  },
  kernelSize: { label: 'Kernel size', hint: 'how far each later layer looks', default: 3, range: { min: 1, max: 15 }, odd: true },
  headChannels: {
    label: 'Head channels',
    hint: '1×1 layer before the softmax; 0 for none',
    default: 128,
    range: { min: 0, max: 1024 },
    colourGroups: 'the head splits',
    older: () => 0,
  },
  inputEmbedding: {
    label: 'Level embedding',
    hint: 'a learned vector per input level; 0 feeds the level as a number',
    default: 8,
    range: { min: 0, max: 64 },
    older: () => 0,
  },
  position: {
    label: 'Position',
    hint: 'a learned bias per row and column, so the model knows where in the image it is',
    default: true,
    older: () => false,
  },
  classes: {
    label: 'Classes',
    hint: 'a learned bias per class in every layer, so you can ask for a class',
    default: 10,
    range: { min: 0, max: 1000 },
    older: () => 0,
  },
  labelDropout: {
    label: 'Label dropout',
    hint: 'share of training images shown with "no class", so guidance can sharpen the class; 0 for none',
    default: 0.15,
    range: { min: 0, max: MAX_LABEL_DROPOUT },
    fraction: true,
    older: () => 0,
  },
};

/**
 * Every field of a config, in one list: the checks, copies and comparisons
 * that walk a config use it, so a new field cannot be missed by one of them.
 * (CONFIG_SPEC's type requires it to declare every field.)
 */
export const CONFIG_FIELDS = Object.keys(CONFIG_SPEC) as Array<keyof PixelCNNConfig>;

/** The app's default config: every field's declared default (CONFIG_SPEC). */
export const DEFAULT_CONFIG: PixelCNNConfig = Object.fromEntries(
  CONFIG_FIELDS.map((field) => [field, CONFIG_SPEC[field].default]),
) as unknown as PixelCNNConfig;

export const ARCHITECTURES: readonly Architecture[] = CONFIG_SPEC.architecture.choices!.map((choice) => choice.value);

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
 * A number config field as the app's number fields take a setting (the
 * shape of NumberSetting in src/worker/settings.ts): its label, hint, range
 * and default (CONFIG_SPEC).
 */
export function configNumberSetting(field: keyof PixelCNNConfig): {
  label: string;
  hint: string;
  min: number;
  max: number;
  integer: boolean;
  step: number;
  default: number;
} {
  const spec: ConfigFieldSpec = CONFIG_SPEC[field];
  if (!spec.range || typeof spec.default !== 'number') throw new Error(`${field} is not a number field.`);
  const integer = !spec.fraction;
  return { label: spec.label, hint: spec.hint, min: spec.range.min, max: spec.range.max, integer, step: integer ? 1 : 0.05, default: spec.default };
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

/** Thrown for a config that cannot describe a causal PixelCNN. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Why `value` cannot be `field`'s, as its declaration (CONFIG_SPEC) says, or null when it can be. */
export function fieldProblem(field: keyof PixelCNNConfig, value: unknown): string | null {
  const spec: ConfigFieldSpec = CONFIG_SPEC[field];
  const got = `got ${gotText(value)}.`;
  if (spec.choices) {
    const names = spec.choices.map((choice) => String(choice.value));
    return spec.choices.some((choice) => choice.value === value) ? null : `${field} must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, ${got}`;
  }
  if (spec.range) {
    const { min, max } = spec.range;
    const kind = spec.fraction ? 'a number' : 'an integer';
    const number = typeof value === 'number' && Number.isFinite(value) && (spec.fraction || Number.isInteger(value));
    if (!number || value < min || value > max) return `${field} must be ${kind} from ${min} to ${max}, ${got}`;
    if (spec.odd && value % 2 === 0) return `${field} must be odd so the kernel has a centre tap, ${got}`;
    return null;
  }
  return typeof value === 'boolean' ? null : `${field} must be true or false, ${got}`;
}

/**
 * Throws a ConfigError naming the first field its declaration does not
 * allow, in CONFIG_SPEC's order; then the first width that does not split
 * into colour groups.
 */
export function validateConfig(config: PixelCNNConfig): void {
  for (const field of CONFIG_FIELDS) {
    const problem = fieldProblem(field, config[field]);
    if (problem) throw new ConfigError(problem);
  }
  for (const field of CONFIG_FIELDS) {
    const splits = CONFIG_SPEC[field].colourGroups;
    const width = config[field] as number;
    if (splits && width % config.colorChannels !== 0) {
      throw new ConfigError(`${field} (${width}) must be divisible by colorChannels (${config.colorChannels}) so ${splits} evenly into R, G and B groups.`);
    }
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
