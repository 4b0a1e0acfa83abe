/**
 * Every training and sampling setting declared once: its label, hint,
 * limits and default. The engine checks requests with these declarations,
 * the panels' number fields take their labels, limits and messages from
 * them, the link in the URL reads its numbers with them (src/ui/urlState.ts),
 * and the page's store and the engine start from their defaults, so none of
 * them can disagree (the model config's fields are declared the same way in
 * CONFIG_SPEC, src/model/config.ts). tfjs-free: the page imports it.
 */

import { MAX_GUIDANCE } from '../model/guidance';
import { gotText, valueText } from '../model/valueText';

export interface NumberSetting {
  /** The field's label, and the name the message uses. */
  label: string;
  /** A few words under the field. */
  hint: string;
  min: number;
  max: number;
  /** True when only whole numbers are allowed. */
  integer: boolean;
  /** True when `min` itself is not allowed (a learning rate above 0). */
  minExclusive?: boolean;
  /** The field's arrow-key step. */
  step: number;
  /** The value before the user picks one; absent when it depends on the device or the model (see the setting). */
  default?: number;
}

/** Most images one sampling run draws (a grid of one row per class included). */
export const MAX_SAMPLE_IMAGES = 64;

/** Most cores one batch is shared between. */
export const MAX_TRAINING_CORES = 32;

/** Largest seed: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 2 ** 32 - 1;

export interface TrainSettings {
  learningRate: number;
  batchSize: number;
  /**
   * Cores that compute each batch on wasm: the engine and workers − 1 helper
   * workers (src/worker/dataParallel). Absent: defaultTrainingCores. The GPU
   * backends always train on the engine alone.
   */
  workers?: number;
  /**
   * Seconds of training between two strips of the learning timeline
   * (engine/learningTimeline.ts); 0 draws none. Absent: its default.
   */
  stripEverySeconds?: number;
}

/**
 * Which class each image is drawn as, for a conditional model (an
 * unconditional one ignores it):
 * - `any`: a class per image, drawn at random (from `seed`) in proportion to
 *   how often each class occurs in the training data; in a completion, the
 *   held-out image's own class when it has one;
 * - `class`: every image of class `label`;
 * - `rows`: one row per class, `perClass` images each (the grid then holds
 *   classes × perClass images, whatever `count` says).
 */
export type ClassDraw = { kind: 'any' } | { kind: 'class'; label: number } | { kind: 'rows'; perClass: number };

export const CLASS_DRAW_KINDS: readonly ClassDraw['kind'][] = ['any', 'class', 'rows'];

export interface SampleSettings {
  /** Images drawn together, shown as a grid. */
  count: number;
  temperature: number;
  seed: number;
  /** Pause after each pixel (in colour, after each of its R, G and B), in ms: 0 is full speed, larger is slow motion. */
  delayMs: number;
  /** The classes to draw, for a conditional model. */
  draw: ClassDraw;
  /**
   * Classifier-free guidance weight (SAMPLE_SETTINGS.guidance); absent: the
   * model's own default (ModelSummary.guidance). Ignored, with a notice, by
   * a model that cannot be guided.
   */
  guidance?: number;
}

/** `workers` has no default here: every core the device has (defaultTrainingCores). */
export const TRAIN_SETTINGS = {
  learningRate: { label: 'Learning rate', hint: "Adam's step size", min: 0, minExclusive: true, max: 10, integer: false, step: 0.0001, default: 0.001 },
  batchSize: { label: 'Batch size', hint: 'images per step', min: 1, max: 256, integer: true, step: 1, default: 16 },
  workers: { label: 'Cores', hint: 'workers sharing each batch', min: 1, max: MAX_TRAINING_CORES, integer: true, step: 1 },
  stripEverySeconds: {
    label: 'New strip every',
    hint: 'seconds of training between strips; 0 draws none',
    min: 0,
    max: 3600,
    integer: true,
    step: 5,
    default: 15,
  },
} as const satisfies Record<keyof TrainSettings, NumberSetting>;

/**
 * `seed` has no default (a visit starts from a random one, randomSeed), nor
 * has `guidance` (each model has its own, ModelSummary.guidance). The
 * defaults draw 16 images in a 4×4 grid, paced so a first visit can see
 * them being written pixel by pixel.
 */
export const SAMPLE_SETTINGS = {
  count: { label: 'Images', hint: 'drawn side by side', min: 1, max: MAX_SAMPLE_IMAGES, integer: true, step: 1, default: 16 },
  temperature: { label: 'Temperature', hint: 'below 1: safer, plainer images; above 1: wilder ones', min: 0.1, max: 2, integer: false, step: 0.05, default: 1 },
  seed: {
    label: 'Seed',
    hint: `a whole number from 0 to ${MAX_SEED.toLocaleString('en-US')} (32 bits); the same seed and model give the same images`,
    min: 0,
    max: MAX_SEED,
    integer: true,
    step: 1,
  },
  delayMs: { label: 'Speed', hint: 'pause after each pixel, in ms', min: 0, max: 10_000, integer: true, step: 1, default: 10 },
  guidance: {
    label: 'Guidance',
    hint: '1 draws from the model as trained; above 1 each pixel leans harder toward the class asked for, 0 ignores the class',
    min: 0,
    max: MAX_GUIDANCE,
    integer: false,
    step: 0.25,
  },
} as const satisfies Record<Exclude<keyof SampleSettings, 'draw'>, NumberSetting>;

/** The training settings before the user changes any (TRAIN_SETTINGS' defaults): the page's store and the engine start from these. */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  learningRate: TRAIN_SETTINGS.learningRate.default,
  batchSize: TRAIN_SETTINGS.batchSize.default,
  stripEverySeconds: TRAIN_SETTINGS.stripEverySeconds.default,
};

/** The sampling settings before the user changes any (SAMPLE_SETTINGS' defaults), but the seed: every visit starts from a random one. */
export const DEFAULT_SAMPLE_SETTINGS: Omit<SampleSettings, 'seed'> = {
  count: SAMPLE_SETTINGS.count.default,
  temperature: SAMPLE_SETTINGS.temperature.default,
  delayMs: SAMPLE_SETTINGS.delayMs.default,
  draw: { kind: 'any' },
};

/** Every core the browser reports (`navigator.hardwareConcurrency`), and at least two: the engine and one helper. */
export function defaultTrainingCores(hardwareConcurrency: number | undefined): number {
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 2;
  return Math.min(MAX_TRAINING_CORES, Math.max(2, cores));
}

/** Above this learning rate Adam usually wrecks a trained model; the form warns (it does not refuse). */
export const LEARNING_RATE_WARN_ABOVE = 0.02;

function formatLimit(value: number): string {
  return value >= 10_000 ? value.toLocaleString('en-US') : String(value);
}

/** What the setting allows, as a phrase: "a whole number from 1 to 256", "a number above 0 and at most 1". */
export function allowedRange(setting: NumberSetting): string {
  const kind = setting.integer ? 'a whole number' : 'a number';
  return setting.minExclusive
    ? `${kind} above ${formatLimit(setting.min)} and at most ${formatLimit(setting.max)}`
    : `${kind} from ${formatLimit(setting.min)} to ${formatLimit(setting.max)}`;
}

/** Null when `value` is allowed; otherwise a sentence naming the setting, what it allows, and what it got. */
export function settingProblem(setting: NumberSetting, value: unknown): string | null {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!setting.integer || Number.isInteger(value)) &&
    (setting.minExclusive ? value > setting.min : value >= setting.min) &&
    value <= setting.max;
  return ok ? null : `${setting.label} must be ${allowedRange(setting)}, got ${gotText(value)}.`;
}

/** The first problem among `values`' declared settings (absent optional ones are skipped), or null. */
export function settingsProblem<K extends string>(
  specs: Record<K, NumberSetting>,
  values: Partial<Record<NoInfer<K>, unknown>>,
  optional: readonly NoInfer<K>[] = [],
): string | null {
  for (const key of Object.keys(specs) as K[]) {
    if (values[key] === undefined && optional.includes(key)) continue;
    const problem = settingProblem(specs[key], values[key]);
    if (problem) return problem;
  }
  return null;
}

/**
 * The class choice a model with `classes` classes can draw, and, when it is
 * not the one asked for, why: a class the model lacks becomes any class;
 * rows that would pass MAX_SAMPLE_IMAGES are cut to as many per class as
 * one run holds (any class when not even one row each fits). An
 * unconditional model (0 classes) draws no classes, so its choice stands.
 * `refused` names the choice as a link writes it ("class:42").
 */
export function fitDraw(draw: ClassDraw, classes: number): { draw: ClassDraw; refused: string | null } {
  if (classes === 0) return { draw, refused: null };
  if (draw.kind === 'class' && !(Number.isInteger(draw.label) && draw.label >= 0 && draw.label < classes)) {
    const which = classes === 1 ? 'class 0' : `${classes} (0 to ${classes - 1})`;
    return { draw: { kind: 'any' }, refused: `“class:${valueText(draw.label)}” is not a class of this model, which has ${which}; any class is drawn instead` };
  }
  if (draw.kind === 'rows' && !(Number.isInteger(draw.perClass) && draw.perClass >= 1 && draw.perClass * classes <= MAX_SAMPLE_IMAGES)) {
    const most = Math.floor(MAX_SAMPLE_IMAGES / classes);
    const asked = `“rows:${valueText(draw.perClass)}”`;
    if (most < 1) {
      return {
        draw: { kind: 'any' },
        refused: `${asked} cannot be drawn: this model has ${classes} classes, too many for a row each in one run of ${MAX_SAMPLE_IMAGES}; any class is drawn instead`,
      };
    }
    if (!Number.isInteger(draw.perClass) || draw.perClass < 1) {
      return { draw: { kind: 'any' }, refused: `${asked} is not a whole number of images per class; any class is drawn instead` };
    }
    return {
      draw: { kind: 'rows', perClass: most },
      refused: `${asked} would draw ${classes} × ${draw.perClass} = ${classes * draw.perClass} images, more than the ${MAX_SAMPLE_IMAGES} one run can draw; ${most} per class are drawn instead`,
    };
  }
  return { draw, refused: null };
}
