import { type PixelCNNConfig, CONFIG_FIELDS, classRows, describeConfig, hasNoClassRow, noClassLabel } from './config';
import { type SavedModel, type SavedTensor, ModelFileError, decodeFloat32, encodeFloat32 } from './modelFile';

/**
 * Fine-tuning across class counts: a model file's weights carried into a
 * model of the same architecture but another number of classes (or none).
 * Every layer of a conditional model has a class table, [class rows,
 * channels], added to its pre-activation; nothing else depends on the class
 * count, so everything else carries over as it is.
 *
 * A class table of the new model is built row by row:
 * - a class the old model knew by the same name keeps its row;
 * - any other class starts from the old model's "no class" row (what it
 *   predicts knowing no class) when it has one, else from the mean of its
 *   class rows;
 * - the "no class" row is kept; a model that gains one starts it like a
 *   new class.
 * An unconditional model that becomes conditional gets tables of zeros, so
 * it starts out predicting as it did. A conditional model that becomes
 * unconditional folds the row it would start a new class from into each
 * layer's bias, so it predicts what it predicted knowing no class.
 *
 * Plain data in and out (the model file format, no tfjs).
 */

export interface ClassNames {
  /** The old model's class names, in label order (as many as its classes). */
  from: readonly string[];
  /** The new model's class names, in label order (as many as its classes). */
  to: readonly string[];
}

/** What became of the class rows: which classes kept their row, and where the others started from. */
export interface ClassCarry {
  /** Names of the new model's classes that kept the old model's row. */
  kept: string[];
  /** How many classes started afresh. */
  started: number;
  /** Where fresh rows started from: the old "no class" row, the mean of the old class rows, or zeros (the old model had no classes). */
  startedFrom: 'no-class row' | 'mean of class rows' | 'zeros';
}

const CLASS_SUFFIX = '/class';
const BIAS_SUFFIX = '/bias';

/** True when `a` and `b` differ at most in their classes and label dropout: weights carry over by withClasses. */
export function sameBesidesClasses(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return CONFIG_FIELDS.every((field) => field === 'classes' || field === 'labelDropout' || a[field] === b[field]);
}

/**
 * `saved`'s weights for a model shaped like `template` (a new model of the
 * target config, saved: it names every tensor the new model has), whose
 * config may differ from the file's only in `classes` and `labelDropout`.
 * `names`: the class names of both, which decide which rows carry over (by
 * default the old model's classes keep their rows by label). Returns the
 * new file (`saved`'s meta, which the caller updates) and what became of
 * the rows.
 */
export function withClasses(saved: SavedModel, template: SavedModel, names?: ClassNames): { saved: SavedModel; carry: ClassCarry } {
  const old = saved.config;
  const config = template.config;
  if (!sameBesidesClasses(old, config)) {
    throw new ModelFileError(`Only the classes of a model can change when its weights carry over; ${describeConfig(old)} is not ${describeConfig(config)}.`);
  }
  const fromNames = names?.from ?? Array.from({ length: old.classes }, (_, i) => String(i));
  const toNames = names?.to ?? Array.from({ length: config.classes }, (_, i) => String(i));
  if (fromNames.length !== old.classes || toNames.length !== config.classes) {
    throw new RangeError(`Class names do not match the class counts (${fromNames.length} for ${old.classes}, ${toNames.length} for ${config.classes}).`);
  }
  const startedFrom: ClassCarry['startedFrom'] = old.classes === 0 ? 'zeros' : hasNoClassRow(old) ? 'no-class row' : 'mean of class rows';
  // For each row of the new tables: the old row it copies, or -1 for the fresh start.
  const oldRowOf = new Map(fromNames.map((name, row) => [name, row]));
  const sources: number[] = toNames.map((name) => oldRowOf.get(name) ?? -1);
  if (hasNoClassRow(config)) sources.push(noClassLabel(old) ?? -1);
  const kept = toNames.filter((_, i) => sources[i] >= 0);

  const byName = new Map(saved.tensors.map((t) => [t.name, t]));
  const tensors = template.tensors.map((wanted): SavedTensor => {
    const name = wanted.name;
    if (name.endsWith(CLASS_SUFFIX)) {
      const table = byName.get(name);
      if (old.classes > 0 && !table) throw new ModelFileError(`The model file is missing tensor "${name}".`);
      return resizedTable(name, table, old, sources, wanted.shape[1]);
    }
    const tensor = byName.get(name);
    if (!tensor) throw new ModelFileError(`The model file is missing tensor "${name}".`);
    if (tensor.shape.join('×') !== wanted.shape.join('×')) {
      throw new ModelFileError(`Tensor "${name}" has shape ${tensor.shape.join('×')}, expected ${wanted.shape.join('×')}.`);
    }
    // A layer that loses its class table keeps, in its bias, the row a new class would start from.
    const lostTable = name.endsWith(BIAS_SUFFIX) && config.classes === 0 ? byName.get(name.slice(0, -BIAS_SUFFIX.length) + CLASS_SUFFIX) : undefined;
    return lostTable ? foldedBias(tensor, lostTable, old) : tensor;
  });
  return {
    saved: { ...saved, config: { ...config }, tensors },
    carry: { kept, started: toNames.length - kept.length, startedFrom },
  };
}

/** The row a fresh class starts from: the old "no class" row, else the mean of the old class rows. */
function startRow(values: Float32Array, old: PixelCNNConfig, channels: number): Float32Array {
  const noClass = noClassLabel(old);
  if (noClass !== null) return values.slice(noClass * channels, (noClass + 1) * channels);
  const mean = new Float32Array(channels);
  for (let row = 0; row < old.classes; row++) for (let c = 0; c < channels; c++) mean[c] += values[row * channels + c] / old.classes;
  return mean;
}

function resizedTable(name: string, tensor: SavedTensor | undefined, old: PixelCNNConfig, sources: readonly number[], channels: number): SavedTensor {
  const out = new Float32Array(sources.length * channels);
  if (tensor) {
    const values = decodeFloat32(tensor.data, name);
    if (tensor.shape.join('×') !== `${classRows(old)}×${channels}` || values.length !== classRows(old) * channels) {
      throw new ModelFileError(`Tensor "${name}" has shape ${tensor.shape.join('×')}, expected ${classRows(old)}×${channels}.`);
    }
    const start = startRow(values, old, channels);
    sources.forEach((source, row) => out.set(source >= 0 ? values.subarray(source * channels, (source + 1) * channels) : start, row * channels));
  }
  return { name, shape: [sources.length, channels], data: encodeFloat32(out) };
}

function foldedBias(bias: SavedTensor, table: SavedTensor, old: PixelCNNConfig): SavedTensor {
  const channels = bias.shape[0];
  const values = decodeFloat32(bias.data, bias.name).slice();
  const start = startRow(decodeFloat32(table.data, table.name), old, channels);
  for (let c = 0; c < channels; c++) values[c] += start[c];
  return { name: bias.name, shape: bias.shape, data: encodeFloat32(values) };
}
