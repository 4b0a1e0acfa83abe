import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy in bits, as one op with its own gradient:
 * logits [rows, classes], targets [rows] int32 class indices.
 *
 * Same value and gradient as mean(-logSoftmax(logits)[target]) / ln 2, for
 * fewer passes over the big [rows, classes] tensor. The log-sum-exp comes out
 * of the softmax without a second exp: with m = max logit, the softmax at the
 * arg-max is p_max = exp(m - lse), so lse = m - log(p_max), and p_max ≥
 * 1/classes keeps that log well conditioned. The gradient is the textbook
 * (softmax - onehot) / (rows · ln 2), from the saved softmax. tfjs's
 * logSoftmax runs exp twice (forward and gradient), and exp is slow on
 * tfjs-backend-wasm (one scalar expf per element) while its Softmax kernel is
 * vectorised.
 */
export function softmaxCrossEntropyBits(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const [rows, classes] = logits.shape;
  if (targets.shape[0] !== rows) throw new Error(`${targets.shape[0]} targets for ${rows} rows of logits.`);
  const labels = targets.dtype === 'int32' ? targets : (tf.cast(targets, 'int32') as tf.Tensor1D);
  const op = tf.customGrad((z, save) => {
    const x = z as tf.Tensor2D;
    const probabilities = tf.softmax(x);
    const value = tf.tidy(() => {
      const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(classes, 'int32')), labels);
      const targetLogit = tf.gather(tf.reshape(x, [rows * classes]), flatIndex);
      const logSumExp = tf.sub(tf.max(x, 1), tf.log(tf.max(probabilities, 1)));
      return tf.div(tf.mean(tf.sub(logSumExp, targetLogit)), Math.LN2) as tf.Scalar;
    });
    (save as tf.GradSaveFunc)([probabilities, labels]);
    probabilities.dispose();
    const gradFunc = (dy: tf.Scalar, saved: tf.Tensor[]): tf.Tensor =>
      tf.tidy(() => {
        const [p, t] = saved as [tf.Tensor2D, tf.Tensor1D];
        // int32 one-hot then a cast: tfjs-backend-wasm's OneHot writes int32 whatever dtype is asked for.
        const oneHot = tf.cast(tf.oneHot(t, classes), 'float32');
        return tf.mul(tf.sub(p, oneHot), tf.div(dy, rows * Math.LN2));
      });
    return { value, gradFunc };
  });
  const loss = op(logits) as tf.Scalar;
  if (labels !== targets) labels.dispose();
  return loss;
}
