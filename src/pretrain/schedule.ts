/**
 * What a pretraining run does at step k, as pure functions of the settings:
 * the learning rate and the images in the batch. Nothing here keeps state,
 * so a run resumed from a checkpoint at step k continues exactly as an
 * uninterrupted run would.
 */
import type { BuiltinDatasetId } from '../data/builtin';
import { type PixelCNNConfig, isConfigShape, validateConfig, withLaterFields } from '../model/config';
import digitsRun from '../../pretraining/digits/settings.json';
import iconsRun from '../../pretraining/icons/settings.json';
import { type Random, seededRandom } from '../model/random';
import { dropLabelsWith } from '../model/labelDropout';

export interface PretrainSettings {
  config: PixelCNNConfig;
  /** Seeds the weights and the batch order. */
  seed: number;
  steps: number;
  batchSize: number;
  peakLearningRate: number;
  finalLearningRate: number;
  warmupSteps: number;
  /**
   * A model file the run starts from instead of random weights (a warm
   * start), relative to the project root. Its config must be the run's but
   * for labelDropout: a "no class" row it lacks starts as the mean of its
   * class rows (docs/ARCHITECTURES.md). Only the torch engine warm-starts.
   */
  init?: string;
  /** The guidance weight the trained model records as its default (meta.guidance), for a model with a "no class" row. */
  guidance?: number;
}

/** A run's settings as committed in pretraining/<set>/settings.json: the config filled in as an older file would be, and checked. */
function committedSettings(json: Record<string, unknown>, file: string): PretrainSettings {
  const settings = { ...json, config: withLaterFields(json.config as Record<string, unknown>) } as unknown as PretrainSettings;
  const numbers = ['seed', 'steps', 'batchSize', 'peakLearningRate', 'finalLearningRate', 'warmupSteps'] as const;
  const missing = numbers.filter((key) => typeof settings[key] !== 'number');
  if (missing.length > 0 || !isConfigShape(settings.config)) throw new Error(`${file} lacks ${missing.join(', ') || 'a whole config'}.`);
  validateConfig(settings.config);
  return settings;
}

/**
 * The shipped MNIST model: the app's default architecture (a conditional
 * Gated PixelCNN that knows where it is, with a "no class" row for
 * guidance), trained on the standard 60,000 training digits, continuing the
 * earlier 5,000-step model (pretraining/digits/start-model.json). The
 * settings are committed with the run's checkpoint in pretraining/digits/,
 * so `npm run pretrain -- --engine torch` resumes it from any clone; README
 * says more.
 */
export const DEFAULT_PRETRAIN: PretrainSettings = committedSettings(digitsRun, 'pretraining/digits/settings.json');

/**
 * The shipped colour-icons model: the same architecture at 16×16 RGB, 24
 * channels (8 per colour group) and a 5×5 first layer so the file stays under
 * 2 MB, conditioned on the 9 emoji categories, with a "no class" row;
 * continuing the earlier 3,000-step model (pretraining/icons/). README says more.
 */
export const ICONS_PRETRAIN: PretrainSettings = committedSettings(iconsRun, 'pretraining/icons/settings.json');

/** What `npm run pretrain -- --dataset NAME` trains, by built-in dataset. */
export const PRETRAIN_BY_DATASET: Readonly<Record<BuiltinDatasetId, PretrainSettings>> = {
  digits: DEFAULT_PRETRAIN,
  icons: ICONS_PRETRAIN,
};

/**
 * Linear warm-up from near zero (large early steps on an untrained residual
 * stack can blow up), then a cosine decay to `finalLearningRate` at the last
 * step: most of the gain of a long run at the end comes from the small steps.
 */
export function learningRateAt(step: number, s: PretrainSettings): number {
  if (step < s.warmupSteps) return (s.peakLearningRate * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.steps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.finalLearningRate + 0.5 * (s.peakLearningRate - s.finalLearningRate) * (1 + Math.cos(Math.PI * progress));
}

/** A permutation of 0..count−1 for one epoch, from the run's seed and the epoch number. */
function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * The training-set indices of batch `step`: epochs are fresh shuffles and
 * every image is seen once per epoch (the leftover tail of each shuffle that
 * does not fill a batch is skipped).
 */
export function batchIndices(step: number, trainCount: number, batchSize: number, seed: number): number[] {
  const perEpoch = Math.floor(trainCount / batchSize);
  if (perEpoch < 1) throw new RangeError(`A batch of ${batchSize} needs at least that many training images, got ${trainCount}.`);
  const epoch = Math.floor(step / perEpoch);
  const start = (step % perEpoch) * batchSize;
  return Array.from(epochOrder(trainCount, seed, epoch).subarray(start, start + batchSize));
}

/**
 * The generator of step `step`'s label dropout, from the run's seed: its own
 * stream, apart from the batch order's, so dropping labels changes no batch.
 * The twin's label_dropout_random (python/pixelcnn_studio/schedule.py) gives
 * the same draws.
 */
export function labelDropoutRandom(seed: number, step: number): Random {
  return seededRandom((Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2f) ^ Math.imul(step + 1, 0x165667b1)) >>> 0);
}

/**
 * The labels of a whole batch with each replaced by `noClass` (the "no class"
 * label, = classes) with probability `probability`: one draw per image, in
 * batch order, from step `step`'s own generator. Every engine, and every
 * share of a batch split across workers, drops the same images, as the
 * twin's dropped_labels does. A probability of 0 keeps every label and
 * draws nothing.
 */
export function dropLabels(labels: ArrayLike<number>, probability: number, seed: number, step: number, noClass: number): Int32Array {
  return dropLabelsWith(labels, probability, noClass, labelDropoutRandom(seed, step));
}
