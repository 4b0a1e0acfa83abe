import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMask } from './layers';
import { maskedConv2d, maskedConv2dReference } from './maskedConv';
import { createPixelCNN } from './pixelcnn';

/**
 * tfjs-backend-wasm under Node: it has no Conv2DBackpropFilter, so plain
 * conv2d cannot train there; the masked-convolution op must. Values are
 * compared with the reference computed on the CPU backend.
 */
beforeAll(async () => {
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(path.dirname(entry) + path.sep);
  expect(await tf.setBackend('wasm')).toBe(true);
  expect(getThreadsCount()).toBeGreaterThanOrEqual(1);
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

interface Arrays {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

async function run(backend: 'wasm' | 'cpu', conv: typeof maskedConv2d, seed: number): Promise<Arrays> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const mask = buildMask('B', { kernelSize: 5, inChannels: 6, outChannels: 9, colorChannels: 3 });
    const x = tf.randomNormal([3, 7, 5, 6], 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 6, 9], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const b = tf.randomNormal([9], 0, 1, 'float32', seed + 2) as tf.Tensor1D;
    const projection = tf.randomNormal([3, 7, 5, 9], 0, 1, 'float32', seed + 3);
    const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(conv(xs as tf.Tensor4D, ws as tf.Tensor4D, mask, bs as tf.Tensor1D), projection));
    const [dx, dw, db] = tf.grads(f)([x, w, b]);
    return {
      y: conv(x, w, mask, b).dataSync() as Float32Array,
      dx: dx.dataSync() as Float32Array,
      dw: dw.dataSync() as Float32Array,
      db: db.dataSync() as Float32Array,
    };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('maskedConv2d on tfjs-backend-wasm', () => {
  it('plain conv2d cannot train on wasm (no Conv2DBackpropFilter): the reason the op exists', async () => {
    await expect(run('wasm', maskedConv2dReference, 1)).rejects.toThrow(/Conv2DBackpropFilter/);
  });

  it('forward and all three gradients match the conv2d reference computed on the CPU backend', async () => {
    const reference = await run('cpu', maskedConv2dReference, 11);
    const wasm = await run('wasm', maskedConv2d, 11);
    for (const key of ['y', 'dx', 'dw', 'db'] as const) {
      expect(maxAbsDiff(wasm[key], reference[key]), key).toBeLessThan(1e-4);
    }
  });

  for (const inputEmbedding of [0, 4]) {
    it(`trains the model${inputEmbedding ? ' with a level embedding' : ''}: bits/dim go down and the tensor count stays flat`, async () => {
      await tf.setBackend('wasm');
      // Vertical ramps with a random offset: easy to predict from the pixel above (as in training.test.ts).
      const levels = 8;
      const images = tf.tidy(() => {
        const offsets = tf.randomUniformInt([16, 1, 1, 1], 0, levels, 3);
        const ramp = tf.range(0, 6, 1, 'int32').reshape([1, 6, 1, 1]).tile([1, 1, 6, 1]);
        return tf.mod(ramp.add(offsets), levels) as tf.Tensor4D;
      });
      const model = createPixelCNN(
        {
          height: 6,
          width: 6,
          colorChannels: 1,
          levels,
          hiddenChannels: 8,
          layers: 2,
          kernelSize: 3,
          headChannels: 0,
          inputEmbedding,
          architecture: 'pixelcnn',
          firstKernelSize: 3,
          position: false,
          classes: 0,
          labelDropout: 0,
        },
        1,
      );
      const optimizer = tf.train.adam(0.02);
      const first = model.trainStep(images, optimizer);
      const before = (await first.data())[0];
      first.dispose();
      const count = tf.memory().numTensors;
      let after = before;
      for (let step = 0; step < 40; step++) {
        const loss = model.trainStep(images, optimizer);
        after = (await loss.data())[0];
        loss.dispose();
      }
      expect(tf.memory().numTensors).toBe(count);
      expect(before).toBeGreaterThan(2.5);
      expect(after).toBeLessThan(before * 0.5);
      tf.dispose(images);
      optimizer.dispose();
      model.dispose();
    });
  }
});
