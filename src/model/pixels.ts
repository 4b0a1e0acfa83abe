import * as tf from '@tensorflow/tfjs';

export { levelToInput, writeInputLevel } from './inputLevels';

/**
 * The single mapping from integer pixel levels to the network's input scale.
 * Training, evaluation and both samplers call it, so a sampled pixel is fed
 * back exactly as a training pixel of the same value would be.
 *
 * Levels 0..levels-1 map linearly onto [-1, 1].
 */
export function toNetworkInput(pixels: tf.Tensor4D, levels: number): tf.Tensor4D {
  return tf.tidy(() =>
    pixels
      .toFloat()
      .mul(2 / (levels - 1))
      .sub(1),
  );
}

/**
 * The learned alternative to `toNetworkInput`: each sub-pixel's level picks
 * a row of `table` ([C·levels, E], colour c's levels in rows c·levels…), and
 * the rows are laid out colour by colour, [B, H, W, C·E]: R's E features,
 * then G's, then B's. That is the grouping the first layer's mask A expects
 * of its input channels, so G's features of a pixel reach only outputs that
 * may see G.
 *
 * The lookup is a gather. Its gradient is written out as one-hot products
 * because tfjs-backend-wasm has no UnsortedSegmentSum, which the stock
 * gather gradient needs.
 */
export function embedLevels(pixels: tf.Tensor4D, table: tf.Tensor2D, levels: number): tf.Tensor4D {
  const [batch, height, width, colors] = pixels.shape;
  const size = table.shape[1];
  if (table.shape[0] !== colors * levels) {
    throw new Error(`The embedding table has ${table.shape[0]} rows, expected ${colors}·${levels}.`);
  }
  const count = batch * height * width;
  return tf.tidy(() => {
    const levelsByColour = tf.reshape(tf.cast(pixels, 'int32'), [count, colors]);
    const rows = tf.reshape(tf.add(levelsByColour, tf.range(0, colors * levels, levels, 'int32')), [count * colors]);
    const lookup = tf.customGrad((values, save) => {
      // Saved tensors are kept by the engine until the gradient has run; anything else made here is freed with this tidy.
      (save as tf.GradSaveFunc)([levelsByColour]);
      return {
        value: tf.gather(values as tf.Tensor2D, rows),
        gradFunc: (dy: tf.Tensor, [savedLevels]: tf.Tensor[]) => {
          const dyByColour = tf.reshape(dy, [count, colors, size]);
          const perColour = Array.from({ length: colors }, (_, c) => {
            const oneHot = tf.oneHot(tf.reshape(tf.slice(savedLevels, [0, c], [count, 1]), [count]), levels); // [count, levels]
            const dyColour = tf.reshape(tf.slice(dyByColour, [0, c, 0], [count, 1, size]), [count, size]);
            // (dyᵀ · oneHot)ᵀ with explicit transposes: wasm's transposed matMul takes a slow path.
            return tf.transpose(tf.matMul(tf.transpose(dyColour), oneHot)); // [levels, size]
          });
          return perColour.length === 1 ? perColour[0] : tf.concat(perColour, 0);
        },
      };
    });
    return tf.reshape(lookup(table), [batch, height, width, colors * size]);
  });
}
