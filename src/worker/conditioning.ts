/**
 * Class conditioning in the engine: whether a dataset's classes fit the
 * model, what the model's classes are called, and which class each sampled
 * image is drawn as. Plain data in and out, no tfjs, so it is tested alone.
 */
import { classCounts, datasetClasses, drawLabels, listNames } from '../data/classes';
import { splitIndices } from '../data/split';
import type { ImageDataset } from '../data/types';
import { seededRandom } from '../model/random';
import { UserFacingError } from './errors';
import { CLASS_DRAW_KINDS, type ClassDraw, type ClassSummary, MAX_SAMPLE_IMAGES, type SampleSettings } from './protocol';
import { valueText } from '../model/valueText';

/** Names for classes nothing has named: "class 1", "class 2", … */
export function defaultClassNames(classes: number): string[] {
  return Array.from({ length: classes }, (_, i) => `class ${i + 1}`);
}

/** The dataset's classes with how many images of each are in the training and held-out sets, or null. */
export function classSummary(train: ImageDataset, test: ImageDataset): ClassSummary[] | null {
  const trainClasses = datasetClasses(train);
  if (!trainClasses) return null;
  const testClasses = test.count > 0 ? datasetClasses(test) : null;
  if (test.count > 0 && !testClasses) return null;
  const k = trainClasses.classNames.length;
  const trainCounts = classCounts(trainClasses.labels, k);
  const testCounts = testClasses ? classCounts(testClasses.labels, k) : new Array<number>(k).fill(0);
  return trainClasses.classNames.map((name, i) => ({ name, train: trainCounts[i], test: testCounts[i] }));
}

/**
 * Why a model with `classes` classes cannot train on `train`, as a sentence
 * for the user, or null when it can (an unconditional model always can).
 */
export function classMismatch(classes: number, train: ImageDataset, unlabelledReason: string | null): string | null {
  if (classes === 0) return null;
  const data = datasetClasses(train);
  if (!data) {
    return (
      `This model is conditioned on ${classes} classes, so it needs images with classes, but this dataset has none` +
      `${unlabelledReason ? ` (${unlabelledReason.replace(/\.$/, '')})` : ''}. ` +
      'Rebuild the model without conditioning in the Model panel, or use images sorted into class folders.'
    );
  }
  const n = data.classNames.length;
  if (n !== classes) {
    return (
      `This model is conditioned on ${classes} classes, but the dataset has ${n} (${listNames(data.classNames)}). ` +
      `Rebuild the model for ${n} classes in the Model panel, or use a dataset with ${classes} classes.`
    );
  }
  return null;
}

/** What a sampling run draws: how many images, the class of each, and how the grid is laid out. */
export interface ResolvedDraw {
  count: number;
  labels: Int32Array;
  /** Grid columns: null for the usual near-square grid. */
  columns: number | null;
}

/**
 * The class of every image of a sampling run with `count` images from a
 * model with `classes` classes. `frequencies`: images per class in the
 * training data (null when the data's classes do not fit the model: 'any'
 * is then uniform). `own`: the class of the image being completed, which
 * 'any' keeps. The labels drawn for 'any' come from their own generator,
 * seeded from `seed`, so the same seed gives the same classes and images.
 */
export function resolveDraw(
  draw: ClassDraw,
  count: number,
  classes: number,
  seed: number,
  frequencies: readonly number[] | null,
  own: number | null = null,
): ResolvedDraw {
  if (typeof draw !== 'object' || draw === null || !CLASS_DRAW_KINDS.includes(draw.kind)) {
    throw new UserFacingError('sampling', `The classes to draw must be any, one class or one row per class; got ${valueText(draw)}.`);
  }
  switch (draw.kind) {
    case 'any': {
      if (own !== null && own >= 0 && own < classes) return { count, labels: new Int32Array(count).fill(own), columns: null };
      const weights = frequencies && frequencies.length === classes ? frequencies : new Array<number>(classes).fill(1);
      return { count, labels: drawLabels(weights, count, seededRandom(labelSeed(seed))), columns: null };
    }
    case 'class': {
      if (!Number.isInteger(draw.label) || draw.label < 0 || draw.label >= classes) {
        throw new UserFacingError('sampling', `Pick a class from the model's ${classes}; got class number ${valueText(draw.label)}.`);
      }
      return { count, labels: new Int32Array(count).fill(draw.label), columns: null };
    }
    case 'rows': {
      const perClass = draw.perClass;
      if (!Number.isInteger(perClass) || perClass < 1) {
        throw new UserFacingError('sampling', `Images per class must be a whole number from 1 up, got ${valueText(perClass)}.`);
      }
      const total = classes * perClass;
      if (total > MAX_SAMPLE_IMAGES) {
        const most = Math.floor(MAX_SAMPLE_IMAGES / classes);
        throw new UserFacingError(
          'sampling',
          `One row per class draws ${classes} × ${perClass} = ${total} images, more than the ${MAX_SAMPLE_IMAGES} one run can draw; ` +
            (most >= 1 ? `ask for at most ${most} per class.` : 'this model has too many classes for one row each; draw one class instead.'),
        );
      }
      const labels = new Int32Array(total);
      for (let i = 0; i < total; i++) labels[i] = Math.floor(i / perClass);
      return { count: total, labels, columns: perClass };
    }
    default: {
      const unknown: never = draw;
      throw new UserFacingError('sampling', `Unknown choice of classes ${JSON.stringify(unknown)}.`);
    }
  }
}

/** A sampling run's images as its session takes them: how many, each one's class and caption, and the grid's columns. */
export interface GridClasses {
  count: number;
  /** One class per image; absent for an unconditional model. */
  labels?: Int32Array;
  /** Each image's class name; null for an unconditional model. */
  captions: string[] | null;
  /** Grid columns (one row per class), or null for the usual grid. */
  columns: number | null;
}

/**
 * The images of a run of `settings` from a model with `classes` classes:
 * resolveDraw's classes captioned with `classNames` (label order), or just
 * the count for an unconditional model. The engine and the worker entry's
 * early first grid (earlyGrid.ts) both draw through it, so the same request
 * and data give the same grid.
 */
export function gridClasses(
  settings: SampleSettings,
  classes: number,
  frequencies: readonly number[] | null,
  classNames: readonly string[],
  own: number | null = null,
): GridClasses {
  if (classes <= 0) return { count: settings.count, captions: null, columns: null };
  const draw = resolveDraw(settings.draw, settings.count, classes, settings.seed, frequencies, own);
  return { count: draw.count, labels: draw.labels, captions: Array.from(draw.labels, (label) => classNames[label] ?? String(label)), columns: draw.columns };
}

/**
 * Images per class in the training split (src/data/split.ts, default
 * fraction and seed) of a dataset whose images have `labels`: what the
 * engine counts once the dataset is loaded and split, from the labels alone.
 */
export function trainingSplitCounts(labels: ArrayLike<number>, classes: number): number[] {
  const { train } = splitIndices(labels.length);
  return classCounts(
    train.map((index) => labels[index]),
    classes,
  );
}

/** The seed of the generator that picks classes for 'any': distinct from the sampler's own dice. */
function labelSeed(seed: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
}
