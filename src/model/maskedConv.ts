import * as tf from '@tensorflow/tfjs';

/**
 * A stride-1, 'same'-padded convolution whose kernel is multiplied by a
 * fixed 0/1 mask inside the differentiated computation. Because the product
 * is part of the graph, the gradient of every masked tap is exactly zero:
 * masked taps never move, whatever the optimizer does, and no forward pass
 * can see through them. (Masking by overwriting weights in place would let
 * an optimizer step reopen them until the next overwrite.)
 *
 * Every layer of the model goes through this one function, so a faster
 * implementation can replace it in one place.
 */
export function maskedConv2d(
  input: tf.Tensor4D,
  weight: tf.Tensor4D,
  mask: tf.Tensor4D,
  bias: tf.Tensor1D,
): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(input, tf.mul(weight, mask) as tf.Tensor4D, 1, 'same').add(bias));
}
