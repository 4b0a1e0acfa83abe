import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../../model/config';
import { createPixelCNN } from '../../model/pixelcnn';
import { useCpuBackend } from '../../test/tfSetup';
import { ChannelHelper } from './channelHelper';
import { HelperPool } from './pool';
import { combineShares, splitShares } from './shares';
import { dataParallelStep } from './step';
import { channelHelper } from './testHelpers';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  height: 5,
  width: 5,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 6,
  layers: 2,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  architecture: 'pixelcnn',
  firstKernelSize: 3,
  position: false,
  classes: 0,
  labelDropout: 0,
};
const gatedConditional: PixelCNNConfig = { ...tiny, architecture: 'gated', inputEmbedding: 3, position: true, classes: 3, headChannels: 8 };

function images(config: PixelCNNConfig, count: number, seed: number): Int32Array {
  let state = seed;
  const pixels = new Int32Array(count * config.height * config.width * config.colorChannels);
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    pixels[i] = state % config.levels;
  }
  return pixels;
}

async function weightsOf(model: ReturnType<typeof createPixelCNN>): Promise<Float32Array[]> {
  return Promise.all(model.variables.map(async (v) => (await v.data()) as Float32Array));
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((values, i) => values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

const pools: HelperPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function pool(helpers: Array<{ helper: ChannelHelper }>, notices: string[] = []): HelperPool {
  const made = new HelperPool(
    (index) => helpers[index - 1].helper,
    (message) => notices.push(message),
  );
  made.setCount(helpers.length);
  pools.push(made);
  return made;
}

describe('data-parallel training steps', () => {
  it('split shares cover the batch, and the combined gradient weights each share by its size', () => {
    expect(splitShares(16, 3)).toEqual([
      [0, 5],
      [5, 11],
      [11, 16],
    ]);
    expect(splitShares(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    const combined = combineShares([
      { count: 1, bits: 3, gradients: [Float32Array.of(4, 8)] },
      { count: 3, bits: 1, gradients: [Float32Array.of(0, 4)] },
    ]);
    expect(Array.from(combined.gradients[0])).toEqual([1, 5]);
    expect(combined.bits).toBe(1.5);
  });

  for (const [name, config] of [
    ['PixelCNN', tiny],
    ['conditional Gated PixelCNN', gatedConditional],
  ] as const) {
    for (const helperCount of [1, 2, 3]) {
      it(`${name}: steps with ${helperCount} helper${helperCount > 1 ? 's' : ''} equal steps on one worker, to 1e-5`, async () => {
        const batch = 7;
        const alone = createPixelCNN(config, 11);
        const shared = createPixelCNN(config, 11);
        const soloOptimizer = tf.train.adam(0.01);
        const sharedOptimizer = tf.train.adam(0.01);
        const helpers = Array.from({ length: helperCount }, (_, i) => channelHelper(i + 1));
        const parallel = pool(helpers);
        for (let step = 0; step < 3; step++) {
          const pixels = images(config, batch, 100 + step);
          const labels = config.classes > 0 ? Int32Array.from({ length: batch }, (_, i) => (i + step) % config.classes) : undefined;
          const x = tf.tensor4d(pixels, [batch, config.height, config.width, config.colorChannels], 'int32');
          const y = labels ? tf.tensor1d(labels, 'int32') : undefined;
          const loss = alone.trainStep(x, soloOptimizer, y);
          const soloBits = (await loss.data())[0];
          tf.dispose([x, y, loss].filter((t) => t !== undefined));
          const bits = await dataParallelStep(shared, sharedOptimizer, parallel, pixels, batch, labels);
          expect(Math.abs(bits - soloBits)).toBeLessThan(1e-5);
        }
        expect(parallel.size).toBe(helperCount);
        expect(maxDifference(await weightsOf(alone), await weightsOf(shared))).toBeLessThan(1e-5);
        soloOptimizer.dispose();
        sharedOptimizer.dispose();
        alone.dispose();
        shared.dispose();
      });
    }
  }

  it('reports a helper that dies mid-step, finishes that step whole, and carries on with fewer helpers', async () => {
    const alone = createPixelCNN(tiny, 5);
    const shared = createPixelCNN(tiny, 5);
    const soloOptimizer = tf.train.adam(0.01);
    const sharedOptimizer = tf.train.adam(0.01);
    const notices: string[] = [];
    // Helper 2 vanishes when asked for its second share.
    const parallel = pool([channelHelper(1), channelHelper(2, 2)], notices);
    const sizes: number[] = [];
    for (let step = 0; step < 4; step++) {
      const pixels = images(tiny, 6, 7 + step);
      const x = tf.tensor4d(pixels, [6, tiny.height, tiny.width, 1], 'int32');
      const loss = alone.trainStep(x, soloOptimizer);
      tf.dispose([x, loss]);
      await dataParallelStep(shared, sharedOptimizer, parallel, pixels, 6);
      sizes.push(parallel.size);
    }
    expect(sizes).toEqual([2, 1, 1, 1]);
    expect(notices).toEqual(['A training helper stopped (training helper 2 stopped: its channel closed). Training carries on with 2 cores.']);
    expect(maxDifference(await weightsOf(alone), await weightsOf(shared))).toBeLessThan(1e-5);
    soloOptimizer.dispose();
    sharedOptimizer.dispose();
    alone.dispose();
    shared.dispose();
  });

  it('a helper that cannot build the model is reported and the engine trains alone', async () => {
    const notices: string[] = [];
    const model = createPixelCNN(tiny, 1);
    const optimizer = tf.train.adam(0.01);
    const broken = new ChannelHelper({ post: () => undefined, close: () => undefined }, 'training helper 1');
    const parallel = pool([{ helper: broken }], notices);
    const answer = dataParallelStep(model, optimizer, parallel, images(tiny, 4, 1), 4);
    broken.receive({ type: 'error', message: 'the wasm backend failed to start in the helper' });
    expect(Number.isFinite(await answer)).toBe(true);
    expect(parallel.size).toBe(0);
    expect(notices[0]).toBe('A training helper stopped (training helper 1: the wasm backend failed to start in the helper). Training carries on with 1 core.');
    optimizer.dispose();
    model.dispose();
  });

  it('drops a helper that does not answer, and finishes the step without it', async () => {
    const alone = createPixelCNN(tiny, 8);
    const shared = createPixelCNN(tiny, 8);
    const soloOptimizer = tf.train.adam(0.01);
    const sharedOptimizer = tf.train.adam(0.01);
    const notices: string[] = [];
    // It builds its model, then never answers a share request.
    const silent = new ChannelHelper(
      { post: (request) => void (request.type === 'init' && queueMicrotask(() => silent.receive({ type: 'ready', backend: 'test' }))), close: () => undefined },
      'training helper 1',
    );
    const parallel = pool([{ helper: silent }], notices);
    const pixels = images(tiny, 4, 3);
    const x = tf.tensor4d(pixels, [4, tiny.height, tiny.width, 1], 'int32');
    const loss = alone.trainStep(x, soloOptimizer);
    tf.dispose([x, loss]);
    // No patience at all: a helper that has not answered when the engine's own share is done is given up.
    await dataParallelStep(shared, sharedOptimizer, parallel, pixels, 4, undefined, { minMs: 0, factor: 0 });
    expect(parallel.size).toBe(0);
    expect(notices).toEqual(['A training helper stopped (it did not answer within 0 s). Training carries on with 1 core.']);
    expect(maxDifference(await weightsOf(alone), await weightsOf(shared))).toBeLessThan(1e-5);
    soloOptimizer.dispose();
    sharedOptimizer.dispose();
    alone.dispose();
    shared.dispose();
  });

  it('keeps the number of tensors flat over steps, helpers included', async () => {
    const model = createPixelCNN(gatedConditional, 3);
    const optimizer = tf.train.adam(0.01);
    const parallel = pool([channelHelper(1), channelHelper(2)]);
    const labels = Int32Array.of(0, 1, 2, 0, 1);
    await dataParallelStep(model, optimizer, parallel, images(gatedConditional, 5, 1), 5, labels);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 4; step++) await dataParallelStep(model, optimizer, parallel, images(gatedConditional, 5, 2 + step), 5, labels);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
  });
});
