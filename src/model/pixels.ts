import * as tf from '@tensorflow/tfjs';

/**
 * The single mapping from integer pixel levels to the network's input scale.
 * Training, evaluation and both samplers call it, so a sampled pixel is fed
 * back exactly as a training pixel of the same value would be.
 *
 * Levels 0..levels-1 map linearly onto [-1, 1].
 */
export function toNetworkInput(pixels: tf.Tensor4D, levels: number): tf.Tensor4D {
  return tf.tidy(() => pixels.toFloat().mul(2 / (levels - 1)).sub(1));
}

/** The same mapping for one value, for code that works outside tensors. */
export function levelToInput(level: number, levels: number): number {
  return (level * 2) / (levels - 1) - 1;
}
