/**
 * Every training and sampling setting declared once: its label, hint and
 * limits. The engine checks requests with these declarations, and the
 * panels' number fields take their labels, limits and messages from them, so
 * the form and the engine cannot disagree (the model config's fields are
 * declared the same way in CONFIG_SPEC, src/model/config.ts). tfjs-free: the
 * page imports it through protocol.ts.
 */

import { MAX_GUIDANCE } from '../model/guidance';

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
}

/** Most images one sampling run draws (a grid of one row per class included). */
export const MAX_SAMPLE_IMAGES = 64;

/** Most cores one batch is shared between. */
export const MAX_TRAINING_CORES = 32;

/** Largest seed: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 2 ** 32 - 1;

export const TRAIN_SETTINGS = {
  learningRate: { label: 'Learning rate', hint: "Adam's step size", min: 0, minExclusive: true, max: 10, integer: false, step: 0.0001 },
  batchSize: { label: 'Batch size', hint: 'images per step', min: 1, max: 256, integer: true, step: 1 },
  workers: { label: 'Cores', hint: 'workers sharing each batch', min: 1, max: MAX_TRAINING_CORES, integer: true, step: 1 },
} as const satisfies Record<string, NumberSetting>;

export const SAMPLE_SETTINGS = {
  count: { label: 'Images', hint: 'drawn side by side', min: 1, max: MAX_SAMPLE_IMAGES, integer: true, step: 1 },
  temperature: { label: 'Temperature', hint: 'below 1: safer, plainer images; above 1: wilder ones', min: 0.1, max: 2, integer: false, step: 0.05 },
  seed: { label: 'Seed', hint: `a whole number from 0 to ${MAX_SEED.toLocaleString('en-US')} (32 bits); the same seed and model give the same images`, min: 0, max: MAX_SEED, integer: true, step: 1 },
  delayMs: { label: 'Speed', hint: 'pause after each pixel, in ms', min: 0, max: 10_000, integer: true, step: 1 },
  guidance: {
    label: 'Guidance',
    hint: '1 draws from the model as trained; above 1 each pixel leans harder toward the class asked for, 0 ignores the class',
    min: 0,
    max: MAX_GUIDANCE,
    integer: false,
    step: 0.25,
  },
} as const satisfies Record<string, NumberSetting>;

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
  return ok ? null : `${setting.label} must be ${allowedRange(setting)}, got ${String(value)}.`;
}

/** The first problem among `values`' declared settings (absent optional ones are skipped), or null. */
export function settingsProblem<K extends string>(specs: Record<K, NumberSetting>, values: Partial<Record<NoInfer<K>, unknown>>, optional: readonly NoInfer<K>[] = []): string | null {
  for (const key of Object.keys(specs) as K[]) {
    if (values[key] === undefined && optional.includes(key)) continue;
    const problem = settingProblem(specs[key], values[key]);
    if (problem) return problem;
  }
  return null;
}
