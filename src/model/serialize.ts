import * as tf from '@tensorflow/tfjs';
import { describeConfig, sameArchitecture } from './config';
import { decodeFloat32, encodeFloat32, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelFileError, type SavedModel, type SavedTensor } from './modelFile';
import type { ModelMeta } from './modelMeta';
import { createPixelCNN, type PixelCNN } from './pixelcnn';

/** Saving a model to, and loading it from, the model file (modelFile.ts: the format, with no tfjs). */
export * from './modelFile';
export * from './modelMeta';

/** A variable's name without the per-instance prefix, e.g. "conv3/weight". */
function localName(variable: tf.Variable): string {
  return variable.name.split('/').slice(1).join('/');
}

export async function saveModel(model: PixelCNN, meta: ModelMeta = {}): Promise<SavedModel> {
  const masks = new Map<tf.Variable, tf.Tensor4D>(model.layers.map((layer) => [layer.weight, layer.mask]));
  // Take every value in one synchronous step, so training that runs between
  // the reads below cannot mix weights from two steps.
  const snapshot = model.variables.map((variable) => {
    const mask = masks.get(variable);
    return mask ? tf.mul(variable, mask) : tf.clone(variable);
  });
  try {
    const tensors: SavedTensor[] = [];
    for (const [i, variable] of model.variables.entries()) {
      const values = (await snapshot[i].data()) as Float32Array;
      tensors.push({ name: localName(variable), shape: variable.shape, data: encodeFloat32(values) });
    }
    return { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, config: { ...model.config }, tensors, meta };
  } finally {
    tf.dispose(snapshot);
  }
}

/** A new model holding `saved`'s weights; throws ModelFileError, leaving nothing behind, when they do not fit. */
export function modelFromSaved(saved: SavedModel): PixelCNN {
  // The file's weights replace every variable at once: no random draws to throw away.
  const model = createPixelCNN(saved.config, 1, { initial: 'zeros' });
  try {
    loadWeights(model, saved);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Decodes every tensor of `saved` against `model`'s variables, checking names
 * and shapes, before assigning any: a bad file leaves the model untouched.
 */
export function loadWeights(model: PixelCNN, saved: SavedModel): void {
  if (!sameArchitecture(model.config, saved.config)) {
    throw new ModelFileError(
      `The model file is for another architecture (${describeConfig(saved.config)}); the current model is ${describeConfig(model.config)}.`,
    );
  }
  const byName = new Map(saved.tensors.map((t) => [t.name, t]));
  const decoded = model.variables.map((variable) => {
    const name = localName(variable);
    const entry = byName.get(name);
    if (!entry) throw new ModelFileError(`The model file is missing tensor "${name}".`);
    const expected = variable.shape.join('×');
    if (entry.shape.join('×') !== expected) {
      throw new ModelFileError(`Tensor "${name}" has shape ${entry.shape.join('×')}, expected ${expected}.`);
    }
    const values = decodeFloat32(entry.data, name);
    if (values.length !== variable.size) {
      throw new ModelFileError(`Tensor "${name}" holds ${values.length} values, expected ${variable.size}.`);
    }
    if (!values.every(Number.isFinite)) throw new ModelFileError(`Tensor "${name}" contains NaN or infinite values.`);
    return values;
  });
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.tensor(decoded[i], variable.shape)));
  });
}
