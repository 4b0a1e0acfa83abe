import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { softmaxCrossEntropyBits } from './loss';

beforeAll(useCpuBackend);

/** The plain formulation the model used before: mean(-logSoftmax · onehot) / ln 2. */
function reference(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(targets, logits.shape[1]);
    return tf.logSoftmax(logits).mul(oneHot).sum(1).mean().neg().div(Math.LN2) as tf.Scalar;
  });
}

async function valueAndGradient(f: (l: tf.Tensor2D, t: tf.Tensor1D) => tf.Scalar, logits: tf.Tensor2D, targets: tf.Tensor1D) {
  const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => f(l as tf.Tensor2D, targets))([logits]);
  const result = { value: (await value.data())[0], grad: Array.from(await grads[0].data()) };
  tf.dispose([value, ...grads]);
  return result;
}

describe('softmaxCrossEntropyBits', () => {
  for (const [rows, classes, spread] of [
    [7, 5, 1],
    [33, 256, 3],
    [4, 2, 0.1],
    [6, 256, 80],
  ] as const) {
    it(`equals mean(-logSoftmax[target]) / ln 2 in value and gradient (${rows}×${classes}, logits × ${spread})`, async () => {
      const logits = tf.mul(tf.randomNormal([rows, classes], 0, 1, 'float32', rows), spread) as tf.Tensor2D;
      const targets = tf.randomUniformInt([rows], 0, classes, classes) as tf.Tensor1D;
      const fast = await valueAndGradient(softmaxCrossEntropyBits, logits, targets);
      const plain = await valueAndGradient(reference, logits, targets);
      expect(Math.abs(fast.value - plain.value)).toBeLessThan(1e-4 * Math.max(1, Math.abs(plain.value)));
      const worst = Math.max(...fast.grad.map((g, i) => Math.abs(g - plain.grad[i])));
      expect(worst).toBeLessThan(1e-6);
      tf.dispose([logits, targets]);
    });
  }

  it('stays finite when the target is far below the best logit (its probability underflows)', async () => {
    const logits = tf.tensor2d([[0, 200, -300]]);
    const loss = softmaxCrossEntropyBits(logits, tf.tensor1d([2], 'int32'));
    expect((await loss.data())[0]).toBeCloseTo(500 / Math.LN2, 2);
    tf.dispose([logits, loss]);
  });

  it('uniform logits give log2(classes) bits and leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const logits = tf.zeros([3, 8]) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 3, 7], 'int32');
    const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => softmaxCrossEntropyBits(l as tf.Tensor2D, targets))([logits]);
    expect((await value.data())[0]).toBeCloseTo(3, 5);
    tf.dispose([logits, targets, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
