import type { PixelCNNConfig } from './config';
import { type FieldReport, type Schema, emptyReport, isJsonValue, isNumber, isRecord, isText, isWholeNumber, oneOf, readFields } from './fields';

/**
 * The facts shipped beside a pretrained model: enough to tell what it is, how
 * good it is, and how to make it again. `npm run pretrain` writes it; the app
 * shows it in the Model panel; a unit test checks the shipped weights against it.
 */
export interface ModelCard {
  /** What the model generates, for people. */
  title: string;
  dataset: string;
  config: PixelCNNConfig;
  /** Seeds the weight initialisation and the order of training batches. */
  seed: number;
  steps: number;
  batchSize: number;
  /** Adam, warmed up linearly to `peak`, then cosine-decayed to `final` at the last step. */
  learningRate: { peak: number; final: number; warmupSteps: number };
  /** The held-out images are the app's own test split of the same data. */
  split: { testFraction: number; seed: number; trainImages: number; heldOutImages: number };
  /** Mean bits per sub-pixel on `trainBitsImages` training images, after training. */
  trainBitsPerDim: number;
  trainBitsImages: number;
  /** Mean bits per sub-pixel on every held-out image. */
  heldOutBitsPerDim: number;
  /**
   * Colour models: the held-out bits/dim of the same config, seed and budget
   * trained with its colour channels independent (one colour group, so G does
   * not see R), as the twin scores it (`npm run pretrain -- --dataset icons
   * --independent-channels`). What the R → G → B order is worth is the gap.
   */
  independentChannelsHeldOutBitsPerDim?: number;
  trainedAt: string;
  /** `git rev-parse HEAD` of the code that trained it, with "+changes" when the tree was not clean. */
  commit: string;
  /**
   * The engine that trained it: tfjs's wasm backend under Node, or the
   * PyTorch twin (python/pixelcnn_studio). Cards from before say neither (wasm).
   */
  engine?: 'wasm' | 'torch';
  /** What ran it, e.g. "wasm (SIMD, 1 thread)" or "torch 1.13.0 (CPU, 2 threads)". */
  backend: string;
  wallTimeSeconds: number;
  /** Passes over the training images this run made: steps × batch size ÷ training images. */
  epochs?: number;
  /** The guidance weight the model samples with by default (also meta.guidance), for a model with a "no class" row. */
  guidance?: number;
  /**
   * A warm start: the model file this run continued from, the steps its own
   * card records, what it was trained on, and its held-out figures (with the
   * independent-channels baseline trained at its budget, for colour models).
   * `steps` above counts this run's steps only.
   */
  startedFrom?: {
    file: string;
    steps: number;
    dataset?: string;
    trainedAt?: string;
    heldOutBitsPerDim?: number;
    independentChannelsHeldOutBitsPerDim?: number;
  };
  /** Bits/dim on the standard MNIST test digits (digits cards made on the standard split), with the images' labels. */
  testBitsPerDim?: number;
  /** How many standard test digits `testBitsPerDim` averages over. */
  testImages?: number;
  /** The same with the "no class" label for every digit: the figure papers of unconditional models report. */
  unconditionalTestBitsPerDim?: number;
}

/** Every card field with its kind (fields.ts): what readCard keeps. */
const CARD_SCHEMA: Schema = {
  title: isText,
  dataset: isText,
  config: (value) => isRecord(value) && isJsonValue(value),
  seed: isNumber,
  steps: isWholeNumber,
  batchSize: isWholeNumber,
  learningRate: { fields: { peak: isNumber, final: isNumber, warmupSteps: isNumber }, required: ['peak', 'final', 'warmupSteps'] },
  split: {
    fields: { testFraction: isNumber, seed: isNumber, trainImages: isWholeNumber, heldOutImages: isWholeNumber },
    required: ['testFraction', 'seed', 'trainImages', 'heldOutImages'],
  },
  trainBitsPerDim: isNumber,
  trainBitsImages: isWholeNumber,
  heldOutBitsPerDim: isNumber,
  independentChannelsHeldOutBitsPerDim: isNumber,
  trainedAt: isText,
  commit: isText,
  engine: oneOf('wasm', 'torch'),
  backend: isText,
  wallTimeSeconds: isNumber,
  epochs: isNumber,
  guidance: isNumber,
  startedFrom: {
    fields: {
      file: isText,
      steps: isWholeNumber,
      dataset: isText,
      trainedAt: isText,
      heldOutBitsPerDim: isNumber,
      independentChannelsHeldOutBitsPerDim: isNumber,
    },
    required: ['file', 'steps'],
  },
  testBitsPerDim: isNumber,
  testImages: isWholeNumber,
  unconditionalTestBitsPerDim: isNumber,
};

/** The fields every card written by `npm run pretrain` has. */
const CARD_REQUIRED = [
  'title',
  'dataset',
  'config',
  'seed',
  'steps',
  'batchSize',
  'learningRate',
  'split',
  'trainBitsPerDim',
  'trainBitsImages',
  'heldOutBitsPerDim',
  'trainedAt',
  'commit',
  'backend',
  'wallTimeSeconds',
] as const;

/**
 * A card as recorded with the weights, read field by field: a card field of
 * the wrong kind is dropped and named; a card that has most of a pretrained
 * card's fields is read as one, and the ones it lacks are named as missing;
 * facts the app does not know are kept when JSON can hold them (a twin's
 * figures), else dropped and named. Never throws.
 */
export function readCard(raw: Record<string, unknown>): { card: Record<string, unknown>; report: FieldReport } {
  const present = CARD_REQUIRED.filter((field) => raw[field] !== undefined).length;
  const asPretrained = present * 2 > CARD_REQUIRED.length;
  const report = emptyReport();
  const { value } = readFields(raw, CARD_SCHEMA, { required: asPretrained ? CARD_REQUIRED : [], keepOthers: (v) => isJsonValue(v), report });
  return { card: value, report };
}

/** True when `card` reads as a pretrained model's card (most of its fields): the Model panel shows it as sentences. */
export function readsAsModelCard(card: Record<string, unknown>): card is Partial<ModelCard> {
  return CARD_REQUIRED.filter((field) => card[field] !== undefined).length * 2 > CARD_REQUIRED.length;
}

/** True when `value` has the fields of a card written by `npm run pretrain` (what the app needs to show it). */
export function isModelCard(value: Record<string, unknown>): value is Record<string, unknown> & ModelCard {
  const numbers = ['seed', 'steps', 'batchSize', 'trainBitsPerDim', 'trainBitsImages', 'heldOutBitsPerDim', 'wallTimeSeconds'] as const;
  const strings = ['title', 'dataset', 'trainedAt', 'commit', 'backend'] as const;
  const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  return (
    strings.every((key) => typeof value[key] === 'string') &&
    numbers.every((key) => typeof value[key] === 'number') &&
    record(value.split) &&
    typeof value.split.heldOutImages === 'number' &&
    record(value.learningRate) &&
    typeof value.learningRate.peak === 'number'
  );
}

/**
 * Steps taken on weights beyond what their card records: for a shipped model,
 * the steps trained after it shipped; without a card, every step.
 */
export function stepsBeyondCard(steps: number, card: Record<string, unknown>): number {
  return isModelCard(card) ? Math.max(0, steps - card.steps) : steps;
}
