/**
 * The digit classifier `npm run eval` reads samples with: a small CNN in
 * TensorFlow.js, trained by the project on the training split only.
 *
 *   x         [B, H, W]      bytes / 255
 *   conv1     5×5, stride 2, 1 → c1, ReLU               → [B, H/2, W/2, c1]
 *   conv2     3×3, c1 → c2, ReLU, 2×2 max-pool          → [B, H/4, W/4, c2]
 *   dense     flatten → d, ReLU
 *   out       d → classes (softmax)
 *
 * It trains on the wasm backend, which has no Conv2DBackpropFilter, and
 * where transposing a large tensor costs more than the convolution. So the
 * first layer reads its 5×5 patches from JavaScript (the image is a
 * constant: its patches are built with the batch, both as [N, 25] for the
 * forward product and as [25, N] for the weight gradient), the second is
 * one op whose gradients are forward convolutions (convSame), and the dense
 * layers transpose explicitly (fullyConnected). Training is
 * deterministic for a seed: the initial weights, the batch order and the
 * augmentation (whole-pixel shifts of up to `maxShift` in each direction)
 * all come from seeded generators.
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../model/random';
import { type SavedTensor, decodeFloat32, encodeFloat32 } from '../model/serialize';
import type { GrayImages } from './metrics';

export interface ClassifierSettings {
  /** Bumped whenever this file changes what training produces, so cached classifiers are not reused. */
  version: number;
  seed: number;
  classes: number;
  conv1: number;
  conv2: number;
  dense: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  finalLearningRate: number;
  /** Largest whole-pixel shift of a training image, in each direction. */
  maxShift: number;
}

/**
 * One epoch over the standard 60,000 training digits: 938 steps, about the
 * 846 that six epochs over the 9,000 digits of the earlier built-in set took,
 * whose classifier was right on about 98% of held-out digits and about as
 * sure of real digits (94% at p ≥ 0.9) as the classifier the project's first
 * figures came from. Longer training is no more accurate but surer of
 * everything, samples included (README, "Judging a model").
 */
export const DEFAULT_CLASSIFIER: ClassifierSettings = {
  version: 2,
  seed: 7,
  classes: 10,
  conv1: 16,
  conv2: 32,
  dense: 128,
  epochs: 1,
  batchSize: 64,
  learningRate: 2e-3,
  finalLearningRate: 5e-5,
  maxShift: 2,
};

/** A labelled stack of grayscale images. */
export interface LabelledImages extends GrayImages {
  labels: Int32Array;
}

/**
 * A stride-1 'same' convolution with an odd square kernel, whose gradients
 * are forward convolutions (p = (k−1)/2):
 *   dx = conv_same(dy, flip(w) with in/out swapped)
 *   dw = conv_valid(pad(x, p) with batch and channels swapped, dy as a [H, W, B, Cout] filter),
 *        giving [Cin, k, k, Cout], transposed to [k, k, Cin, Cout].
 */
const convSameOp = tf.customGrad((x, w, save) => {
  const xs = x as tf.Tensor4D;
  const ws = w as tf.Tensor4D;
  (save as tf.GradSaveFunc)([xs, ws]);
  return {
    value: tf.conv2d(xs, ws, 1, 'same'),
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
      const p = (sw.shape[0] - 1) / 2;
      const flipped = tf.transpose(tf.reverse(sw, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(dy, flipped, 1, 'same');
      const padded = tf.pad(sx, [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ]);
      const byChannel = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
      const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
      const dw = tf.transpose(tf.conv2d(byChannel, filter, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    },
  };
});

export function convSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return convSameOp(x, w) as tf.Tensor4D;
}

/**
 * a · w, with gradients that transpose explicitly: tfjs-backend-wasm's
 * matMul with a transposed operand runs many times slower than a transpose
 * and a plain matMul.
 */
const fullyConnectedOp = tf.customGrad<tf.Tensor2D>((a, w, save) => {
  const as = a as tf.Tensor2D;
  const ws = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([as, ws]);
  return {
    value: tf.matMul(as, ws),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
});

export function fullyConnected(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return fullyConnectedOp(a, w) as tf.Tensor2D;
}

/** Side of the first layer's kernel; its stride is 2. */
export const FIRST_KERNEL = 5;

/**
 * The first layer's input patches of a batch: for output (oy, ox) of image b,
 * the 5×5 input pixels (2·oy + i − 2, 2·ox + j − 2), zero outside the image,
 * each image shifted by (dy, dx) first. Row-major [N, 25] with N = B·(H/2)·(W/2)
 * in `rows`, and the same values as [25, N] in `columns`.
 */
export function firstLayerPatches(
  images: GrayImages,
  indices: ArrayLike<number>,
  shifts?: Int8Array,
): { rows: Float32Array; columns: Float32Array; count: number } {
  const { width: W, height: H } = images;
  const oh = H / 2;
  const ow = W / 2;
  const k = FIRST_KERNEL;
  const taps = k * k;
  const count = indices.length * oh * ow;
  const rows = new Float32Array(count * taps);
  const columns = new Float32Array(count * taps);
  for (let b = 0; b < indices.length; b++) {
    const source = indices[b] * W * H;
    const sy = shifts ? shifts[2 * b] : 0;
    const sx = shifts ? shifts[2 * b + 1] : 0;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const n = (b * oh + oy) * ow + ox;
        for (let i = 0; i < k; i++) {
          const y = 2 * oy + i - 2 - sy;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < k; j++) {
            const x = 2 * ox + j - 2 - sx;
            if (x < 0 || x >= W) continue;
            const value = images.pixels[source + y * W + x] / 255;
            rows[n * taps + i * k + j] = value;
            columns[(i * k + j) * count + n] = value;
          }
        }
      }
    }
  }
  return { rows, columns, count };
}

/** The first layer's patches of a batch as tensors (see firstLayerPatches). */
export interface Patches {
  batch: number;
  /** [N, 25] */
  rows: tf.Tensor2D;
  /** [25, N], for the weight gradient; absent when not training. */
  columns?: tf.Tensor2D;
}

export interface DigitClassifier {
  settings: ClassifierSettings;
  width: number;
  height: number;
  variables: tf.Variable[];
  /** Logits [B, classes] of a batch given as its first layer's patches. */
  logits(patches: Patches): tf.Tensor2D;
  dispose(): void;
}

/** Standard normal draws from a seeded generator (Box–Muller). */
function normals(count: number, random: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function createClassifier(settings: ClassifierSettings, width: number, height: number): DigitClassifier {
  if (width % 4 !== 0 || height % 4 !== 0) throw new RangeError(`The classifier needs sides divisible by 4, got ${width}×${height}.`);
  const { conv1, conv2, dense, classes } = settings;
  const random = seededRandom(settings.seed);
  const taps = FIRST_KERNEL * FIRST_KERNEL;
  const flat = (width / 4) * (height / 4) * conv2;
  const shapes: Array<[string, number[], number]> = [
    ['conv1/weight', [taps, conv1], taps],
    ['conv1/bias', [conv1], 0],
    ['conv2/weight', [3, 3, conv1, conv2], 9 * conv1],
    ['conv2/bias', [conv2], 0],
    ['dense/weight', [flat, dense], flat],
    ['dense/bias', [dense], 0],
    ['out/weight', [dense, classes], dense],
    ['out/bias', [classes], 0],
  ];
  // He initialisation for the weights, zero biases.
  const variables = shapes.map(([name, shape, fanIn]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = fanIn > 0 ? normals(size, random).map((v) => v * Math.sqrt(2 / fanIn)) : new Float32Array(size);
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true, `classifier${nextId++}/${name}`);
    initial.dispose();
    return variable;
  });
  const [w1, b1, w2, b2, wd, bd, wo, bo] = variables as [
    tf.Variable<tf.Rank.R2>,
    tf.Variable,
    tf.Variable<tf.Rank.R4>,
    tf.Variable,
    tf.Variable<tf.Rank.R2>,
    tf.Variable,
    tf.Variable<tf.Rank.R2>,
    tf.Variable,
  ];
  const oh = height / 2;
  const ow = width / 2;
  return {
    settings,
    width,
    height,
    variables,
    logits: ({ batch, rows, columns }) =>
      tf.tidy(() => {
        // conv1 as one product over the patches; its weight gradient is columns · dy.
        const first: tf.Tensor2D = columns
          ? (tf.customGrad<tf.Tensor2D>((w) => ({
              value: tf.matMul(rows, w as tf.Tensor2D),
              gradFunc: (dy: tf.Tensor2D) => tf.matMul(columns, dy),
            }))(w1) as tf.Tensor2D)
          : tf.matMul(rows, w1);
        let h = tf.reshape(tf.relu(tf.add(first, b1)), [batch, oh, ow, conv1]) as tf.Tensor4D;
        h = tf.maxPool(tf.relu(tf.add(convSame(h, w2), b2)) as tf.Tensor4D, 2, 2, 'valid');
        const d = tf.relu(tf.add(fullyConnected(tf.reshape(h, [batch, flat]), wd), bd)) as tf.Tensor2D;
        return tf.add(fullyConnected(d, wo), bo) as tf.Tensor2D;
      }),
    dispose: () => tf.dispose(variables),
  };
}

let nextId = 0;

function localName(variable: tf.Variable): string {
  return variable.name.split('/').slice(1).join('/');
}

export async function saveClassifierWeights(classifier: DigitClassifier): Promise<SavedTensor[]> {
  return Promise.all(classifier.variables.map(async (v) => ({ name: localName(v), shape: v.shape, data: encodeFloat32((await v.data()) as Float32Array) })));
}

/** Assigns saved weights, checking every name and shape first. */
export function loadClassifierWeights(classifier: DigitClassifier, tensors: SavedTensor[]): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const values = classifier.variables.map((v) => {
    const entry = byName.get(localName(v));
    if (!entry || entry.shape.join('×') !== v.shape.join('×')) {
      throw new Error(`The saved classifier lacks "${localName(v)}" of shape ${v.shape.join('×')}.`);
    }
    return decodeFloat32(entry.data, entry.name);
  });
  classifier.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i], v.shape))));
}

/** A batch's first-layer patches as tensors; `training` adds the transposed copy for the weight gradient. */
function patchTensors(images: GrayImages, indices: ArrayLike<number>, training: boolean, shifts?: Int8Array): Patches {
  const { rows, columns, count } = firstLayerPatches(images, indices, shifts);
  const taps = FIRST_KERNEL * FIRST_KERNEL;
  return {
    batch: indices.length,
    rows: tf.tensor2d(rows, [count, taps]),
    ...(training ? { columns: tf.tensor2d(columns, [taps, count]) } : {}),
  };
}

function disposePatches(patches: Patches): void {
  patches.rows.dispose();
  patches.columns?.dispose();
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Mean cross-entropy (nats) over the epoch so far. */
  loss: number;
}

/** Trains a new classifier on `train`; deterministic for the settings' seed on a given backend. */
export async function trainClassifier(
  train: LabelledImages,
  settings: ClassifierSettings,
  onProgress?: (progress: TrainProgress) => void,
): Promise<DigitClassifier> {
  const classifier = createClassifier(settings, train.width, train.height);
  const optimizer = tf.train.adam(settings.learningRate);
  const adjustable = optimizer as unknown as { learningRate: number };
  const random = seededRandom((settings.seed * 0x9e3779b1) >>> 0);
  const perEpoch = Math.ceil(train.count / settings.batchSize);
  const steps = perEpoch * settings.epochs;
  const span = 2 * settings.maxShift + 1;
  let step = 0;
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const order = Array.from({ length: train.count }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let total = 0;
      let seen = 0;
      for (let start = 0; start < train.count; start += settings.batchSize) {
        const indices = order.slice(start, start + settings.batchSize);
        const shifts = new Int8Array(indices.length * 2).map(() => Math.floor(random() * span) - settings.maxShift);
        const progress = Math.min(1, step / Math.max(1, steps - 1));
        adjustable.learningRate = settings.finalLearningRate + 0.5 * (settings.learningRate - settings.finalLearningRate) * (1 + Math.cos(Math.PI * progress));
        const patches = patchTensors(train, indices, true, shifts);
        const labels = tf.tensor1d(
          Int32Array.from(indices, (n) => train.labels[n]),
          'int32',
        );
        const cost = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const onehot = tf.oneHot(labels, settings.classes);
              return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(classifier.logits(patches))), 1))) as tf.Scalar;
            }),
          true,
          classifier.variables,
        );
        disposePatches(patches);
        labels.dispose();
        total += (await cost!.data())[0] * indices.length;
        cost!.dispose();
        seen += indices.length;
        step++;
        onProgress?.({ epoch, epochs: settings.epochs, step, steps, loss: total / seen });
      }
    }
  } catch (error) {
    classifier.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  return classifier;
}

/** Class probabilities, row-major [count, classes], computed `batchSize` images at a time. */
export async function classify(classifier: DigitClassifier, images: GrayImages, batchSize = 256): Promise<Float32Array> {
  if (images.width !== classifier.width || images.height !== classifier.height) {
    throw new RangeError(`The classifier reads ${classifier.width}×${classifier.height} images, got ${images.width}×${images.height}.`);
  }
  const classes = classifier.settings.classes;
  const out = new Float32Array(images.count * classes);
  for (let start = 0; start < images.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, images.count - start) }, (_, i) => start + i);
    const patches = patchTensors(images, indices, false);
    const probabilities = tf.tidy(() => tf.softmax(classifier.logits(patches)));
    disposePatches(patches);
    out.set((await probabilities.data()) as Float32Array, start * classes);
    probabilities.dispose();
  }
  return out;
}

/** Share of images whose most likely class is their label. */
export function accuracy(probabilities: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let right = 0;
  for (let n = 0; n < labels.length; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probabilities[n * classes + k] > probabilities[n * classes + best]) best = k;
    if (best === labels[n]) right++;
  }
  return labels.length === 0 ? 0 : right / labels.length;
}
