/**
 * One training step split across several tfjs instances (data parallelism):
 * each computes the gradient of its share of the batch, and the shares are
 * combined into the gradient of the whole batch before Adam takes one step.
 *
 * The loss is a mean over sub-pixels, so the batch gradient is the mean of
 * the share gradients weighted by share size: the step is the one a single
 * instance would take on the whole batch, up to float rounding.
 *
 * Pure tfjs and plain arrays, no workers: the browser engine
 * (src/worker/dataParallel) and `npm run pretrain` (Node worker threads)
 * both build on it.
 */
import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from '../../model/network';

/** The gradient of one share of a batch, as plain arrays that can cross a thread boundary. */
export interface ShareGradient {
  /** Images in the share. */
  count: number;
  /** Mean bits/dim of the share. */
  bits: number;
  /** One array per model variable, in `model.variables` order. */
  gradients: Float32Array[];
}

/** Another tfjs instance (a worker) that computes share gradients for the same architecture. */
export interface GradientHelper {
  /** Sets the helper's weights (one array per variable, `model.variables` order) and returns the gradient of the share. */
  shareGradient(weights: Float32Array[], pixels: Int32Array, count: number, labels?: Int32Array): Promise<ShareGradient>;
  close(): Promise<void>;
}

/**
 * The bits/dim of `pixels` (count images) and its gradient with respect to
 * every variable; a conditional model needs the images' `labels`.
 */
export async function shareGradient(model: PixelCNN, pixels: Int32Array, count: number, labels?: Int32Array): Promise<ShareGradient> {
  const { height, width, colorChannels } = model.config;
  const batch = tf.tensor4d(pixels, [count, height, width, colorChannels], 'int32');
  const labelTensor = labels ? tf.tensor1d(labels, 'int32') : undefined;
  const { value, grads } = tf.variableGrads(() => model.bitsPerDim(batch, labelTensor), model.variables);
  batch.dispose();
  labelTensor?.dispose();
  try {
    const gradients = await Promise.all(model.variables.map(async (v) => (await grads[v.name].data()) as Float32Array));
    return { count, bits: (await value.data())[0], gradients };
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
}

/** The batch gradient: the share gradients weighted by share size over the batch, one array per variable. */
export function combineShares(shares: ShareGradient[]): { gradients: Float32Array[]; bits: number } {
  if (shares.length === 0) throw new RangeError('there is no share gradient to combine');
  const total = shares.reduce((sum, share) => sum + share.count, 0);
  const gradients = shares[0].gradients.map((first, i) => {
    const combined = new Float32Array(first.length);
    for (const share of shares) {
      const weight = share.count / total;
      const g = share.gradients[i];
      if (g.length !== combined.length) throw new RangeError(`share gradients disagree on variable ${i}: ${g.length} against ${combined.length} values`);
      for (let j = 0; j < combined.length; j++) combined[j] += weight * g[j];
    }
    return combined;
  });
  const bits = shares.reduce((sum, share) => sum + (share.bits * share.count) / total, 0);
  return { gradients, bits };
}

/** Combines share gradients into the batch gradient, applies it with `optimizer`, and returns the batch's bits/dim. */
export function applyShares(model: PixelCNN, optimizer: tf.Optimizer, shares: ShareGradient[]): number {
  const { gradients, bits } = combineShares(shares);
  const named: tf.NamedTensorMap = {};
  model.variables.forEach((variable, i) => {
    named[variable.name] = tf.tensor(gradients[i], variable.shape);
  });
  optimizer.applyGradients(named);
  tf.dispose(Object.values(named));
  return bits;
}

/** Splits `count` images into `parts` contiguous shares as even as possible: [start, end) pairs. */
export function splitShares(count: number, parts: number): Array<[number, number]> {
  const shares: Array<[number, number]> = [];
  for (let p = 0; p < parts; p++) {
    const start = Math.round((p * count) / parts);
    const end = Math.round(((p + 1) * count) / parts);
    if (end > start) shares.push([start, end]);
  }
  return shares;
}

/** Every variable's values, read back without blocking (`data()`, never `dataSync()`). */
export function readWeights(model: PixelCNN): Promise<Float32Array[]> {
  return Promise.all(model.variables.map(async (v) => (await v.data()) as Float32Array));
}
