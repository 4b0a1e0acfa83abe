import * as tf from '@tensorflow/tfjs';
import { networkInput } from './layers';
import type { PixelCNN } from './network';

/**
 * Looking inside a model at one image, each with one pass of the network:
 *
 * - `inspectImage`: the logits of every sub-pixel and the bits each one
 *   costs. The model is causal, so the logits of a finished sample are
 *   exactly the ones its sub-pixels were drawn from: one forward pass
 *   recovers every distribution used while drawing.
 * - `receptiveField`: how strongly the log-probability of one pixel's
 *   levels reacts to each input sub-pixel, from the gradient of that
 *   log-probability with respect to the network input. Zero where the
 *   prediction cannot depend on the input at all (later sub-pixels, and the
 *   PixelCNN's blind spot).
 * - `bitsPerDimEach`: each image's own bits/dim, for ranking a set.
 */

/** An image's levels and, for a conditional model, its class. */
export interface InspectedImage {
  /** H·W·C levels in generation order ([H, W, C] flattened). */
  pixels: ArrayLike<number>;
  /** The class label (a conditional model needs one). */
  label?: number;
}

export interface ImageInspection {
  /** H·W·C × levels logits, sub-pixels in generation order. */
  logits: Float32Array;
  /** −log2 p(level) of each sub-pixel at temperature 1: its surprise, in bits. */
  bits: Float32Array;
  /** Mean of `bits`: the image's bits/dim. */
  bitsPerDim: number;
}

function imageTensors(model: PixelCNN, image: InspectedImage): { images: tf.Tensor4D; labels?: tf.Tensor1D } {
  const { height, width, colorChannels, classes } = model.config;
  const size = height * width * colorChannels;
  if (image.pixels.length !== size) throw new Error(`The image has ${image.pixels.length} values; this model's images have ${size}.`);
  const images = tf.tensor4d(Int32Array.from(image.pixels), [1, height, width, colorChannels], 'int32');
  if (classes === 0) return { images };
  if (image.label === undefined) throw new Error(`This model draws one of ${classes} classes: it needs the image's class.`);
  return { images, labels: tf.tensor1d([image.label], 'int32') };
}

/** One forward pass of one image: every sub-pixel's logits and its surprise in bits. */
export async function inspectImage(model: PixelCNN, image: InspectedImage): Promise<ImageInspection> {
  const { levels } = model.config;
  const output = tf.tidy(() => {
    const { images, labels } = imageTensors(model, image);
    return model.logits(images, labels);
  });
  const logits = (await output.data()) as Float32Array;
  output.dispose();
  const size = logits.length / levels;
  const bits = new Float32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const offset = i * levels;
    let max = -Infinity;
    for (let v = 0; v < levels; v++) max = Math.max(max, logits[offset + v]);
    let sum = 0;
    for (let v = 0; v < levels; v++) sum += Math.exp(logits[offset + v] - max);
    const logProbability = logits[offset + image.pixels[i]] - max - Math.log(sum);
    bits[i] = -logProbability / Math.LN2;
    total += bits[i];
  }
  return { logits, bits, bitsPerDim: total / size };
}

/**
 * |∂ Σ_c log p(x[row, col, c]) / ∂ input| per input sub-pixel, H·W·C values
 * in generation order (an embedded level's features summed). The sum runs
 * over the pixel's colour channels, each at its own level in `image`, so a
 * colour pixel's map also shows G reading R and B reading R and G.
 */
export async function receptiveField(model: PixelCNN, image: InspectedImage, row: number, col: number): Promise<Float32Array> {
  const { height, width, colorChannels: C, levels } = model.config;
  if (!(Number.isInteger(row) && Number.isInteger(col) && row >= 0 && col >= 0 && row < height && col < width)) {
    throw new Error(`Pixel (${row}, ${col}) is outside the ${height}×${width} image.`);
  }
  const gradient = tf.tidy(() => {
    const { images, labels } = imageTensors(model, image);
    const input = networkInput(images, model.embedding, levels);
    const targets = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: C }, (_, c) => image.pixels[(row * width + col) * C + c]),
          'int32',
        ),
        levels,
      )
      .toFloat();
    const logProbability = (x: tf.Tensor): tf.Scalar => {
      const logits = model
        .logitsFromInput(x as tf.Tensor4D, labels)
        .slice([0, row, col, 0, 0], [1, 1, 1, C, levels])
        .reshape([C, levels]);
      return tf.sum(tf.mul(tf.logSoftmax(logits), targets));
    };
    const dx = tf.grad(logProbability)(input);
    // [1, H, W, C·E] (or [1, H, W, C]) → per sub-pixel, the features of each colour summed.
    return tf.sum(tf.abs(dx.reshape([height * width * C, -1])), 1);
  });
  const values = (await gradient.data()) as Float32Array;
  gradient.dispose();
  return values;
}

/**
 * Each image's bits/dim: `count` images of H·W·C levels back to back,
 * `labels` one per image for a conditional model.
 */
export async function bitsPerDimEach(model: PixelCNN, images: ArrayLike<number>, count: number, labels?: ArrayLike<number>): Promise<Float32Array> {
  const { height, width, colorChannels, levels, classes } = model.config;
  const size = height * width * colorChannels;
  if (images.length < count * size) throw new Error(`Need ${count} images of ${size} values, got ${images.length} values.`);
  if (classes > 0 && (!labels || labels.length < count)) throw new Error(`This model draws one of ${classes} classes: it needs a class for each image.`);
  const perImage = tf.tidy(() => {
    const values = Int32Array.from({ length: count * size }, (_, i) => images[i]);
    const batch = tf.tensor4d(values, [count, height, width, colorChannels], 'int32');
    const batchLabels =
      classes > 0
        ? tf.tensor1d(
            Int32Array.from({ length: count }, (_, i) => labels![i]),
            'int32',
          )
        : undefined;
    const logProbabilities = tf.logSoftmax(model.logits(batch, batchLabels).reshape([count * size, levels]));
    // wasm's OneHot writes int32 whatever dtype is asked for: cast it.
    const picked = tf.sum(tf.mul(logProbabilities, tf.cast(tf.oneHot(tf.tensor1d(values, 'int32'), levels), 'float32')), 1);
    return tf.div(tf.mean(picked.reshape([count, size]), 1), -Math.LN2);
  });
  const result = (await perImage.data()) as Float32Array;
  perImage.dispose();
  return result;
}
