import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { TINY_GATED } from '../model/testConfigs';
import { useCpuBackend } from '../test/tfSetup';
import { HelperPool } from './dataParallel/pool';
import { channelHelper } from './dataParallel/testHelpers';
import { Trainer } from './trainer';

beforeAll(useCpuBackend);

/**
 * The engine's trainer on the SIMD kernels: the tests run on tfjs's CPU
 * backend, so they name it as a kernel backend (the app uses the kernels on
 * wasm). The steps must be tfjs's steps, alone and shared with helpers that
 * compute their shares on the kernels too.
 */

const gated: PixelCNNConfig = { ...TINY_GATED, inputEmbedding: 3, headChannels: 6, position: true, classes: 3, labelDropout: 0.2 };

function batchOf(config: PixelCNNConfig, count: number, seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return {
    pixels: Int32Array.from({ length: count * config.height * config.width * config.colorChannels }, () => Math.floor(next() * config.levels)),
    count,
    labels: config.classes > 0 ? Int32Array.from({ length: count }, () => Math.floor(next() * (config.classes + 1))) : undefined,
  };
}

async function difference(a: tf.Variable[], b: tf.Variable[]): Promise<number> {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [await a[i].data(), await b[i].data()];
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - y[j]));
  }
  return worst;
}

const pools: HelperPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('Trainer on the SIMD kernels', () => {
  it('says which arithmetic it uses: the kernels on a kernel backend (both architectures), tfjs on the others, with the reason', () => {
    const model = createPixelCNN(gated, 1);
    const plain = createPixelCNN({ ...TINY_GATED, architecture: 'pixelcnn' }, 1);
    for (const m of [model, plain])
      expect(new Trainer(m, { learningRate: 0.01, batchSize: 2 }, 0, { kernelBackends: ['cpu'] }).arithmetic).toBe('SIMD kernels');
    const onTfjs = new Trainer(model, { learningRate: 0.01, batchSize: 2 });
    expect(onTfjs.arithmetic).toBe('tfjs');
    expect(onTfjs.kernelsUnavailable()).toBe('the cpu backend trains with tfjs');
    model.dispose();
    plain.dispose();
  });

  for (const helpers of [0, 2]) {
    it(`takes tfjs's steps and writes them to the model (${helpers ? `shared with ${helpers} kernel helpers` : 'alone'}), with a learning-rate change`, async () => {
      const reference = createPixelCNN(gated, 4);
      const model = createPixelCNN(gated, 4);
      const tfjsTrainer = new Trainer(reference, { learningRate: 0.01, batchSize: 5 });
      const trainer = new Trainer(model, { learningRate: 0.01, batchSize: 5 }, 0, { kernelBackends: ['cpu'] });
      const pool = helpers
        ? new HelperPool(
            (i) => channelHelper(i, Infinity, ['cpu']).helper,
            () => undefined,
          )
        : undefined;
      if (pool) {
        pool.setCount(helpers);
        pools.push(pool);
      }
      for (let step = 0; step < 3; step++) {
        if (step === 2) {
          tfjsTrainer.setLearningRate(0.005);
          trainer.setLearningRate(0.005);
        }
        const batch = batchOf(gated, 5, 30 + step);
        const expected = await tfjsTrainer.step(batch);
        const bits = await trainer.step({ ...batch, pool });
        expect(Math.abs(bits - expected)).toBeLessThan(1e-4);
      }
      expect(await difference(model.variables, reference.variables)).toBeLessThan(1e-4);
      expect(trainer.steps).toBe(3);
      // Past the first steps, a step leaves no tensor behind.
      const before = tf.memory().numTensors;
      await trainer.step({ ...batchOf(gated, 5, 40), pool });
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
      tfjsTrainer.dispose();
      model.dispose();
      reference.dispose();
    });
  }
});
