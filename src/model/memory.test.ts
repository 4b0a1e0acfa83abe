import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { Trainer } from '../worker/trainer';
import { DEFAULT_CONFIG, type PixelCNNConfig } from './config';
import { estimateTrainingMemory, largestFittingBatch, MEMORY_BUDGETS, memoryProblem, parameterFloats } from './memory';
import { createPixelCNN } from './pixelcnn';

beforeAll(useCpuBackend);

const small: PixelCNNConfig = { ...DEFAULT_CONFIG, height: 10, width: 10, levels: 16 };

/** The bytes of every tensor the model, its trainer and one training step hold at once, at the step's peak (tf.profile). */
async function measuredPeak(config: PixelCNNConfig, batch: number): Promise<number> {
  const before = tf.memory().numBytes;
  const model = createPixelCNN(config, 1);
  const trainer = new Trainer(model, { learningRate: 1e-3, batchSize: batch });
  const images = tf.randomUniformInt([batch, config.height, config.width, config.colorChannels], 0, config.levels) as tf.Tensor4D;
  const labels = config.classes > 0 ? (tf.randomUniformInt([batch], 0, config.classes) as tf.Tensor1D) : undefined;
  // The first step creates Adam's moments and the trainer's copy of the weights; the second is the steady state.
  await trainer.step(images, labels);
  const info = await tf.profile(async () => {
    await trainer.step(images, labels);
  });
  trainer.dispose();
  model.dispose();
  images.dispose();
  labels?.dispose();
  expect(tf.memory().numBytes).toBe(before);
  return info.peakBytes - before - images.size * 4 - (labels?.size ?? 0) * 4;
}

describe('training memory estimate', () => {
  const cases: Array<[string, PixelCNNConfig, number]> = [
    ['Gated PixelCNN, position and classes', small, 2],
    ['PixelCNN, 7×7 kernels, 48 channels', { ...small, architecture: 'pixelcnn', hiddenChannels: 48, firstKernelSize: 7, kernelSize: 7, classes: 0 }, 2],
    ['Gated PixelCNN, RGB, 256 levels, no head', { ...small, colorChannels: 3, hiddenChannels: 24, headChannels: 0, levels: 256, inputEmbedding: 4 }, 2],
  ];
  it.each(cases)('is within 2× of the measured peak: %s', async (_, config, batch) => {
    const measured = await measuredPeak(config, batch);
    const estimate = estimateTrainingMemory(config, batch).totalBytes;
    expect(estimate / measured).toBeGreaterThan(0.5);
    expect(estimate / measured).toBeLessThan(2);
  });

  it('counts every variable of the model', () => {
    for (const config of cases.map(([, c]) => c)) {
      const model = createPixelCNN(config, 1);
      const sizes = model.variables.reduce((n, v) => n + v.size, 0);
      const masks = model.layers.reduce((n, layer) => n + layer.mask.size, 0);
      model.dispose();
      expect(parameterFloats(config)).toEqual({ trainable: sizes, masks });
    }
  });

  it('grows with the batch and refuses what will not fit, naming the numbers and a size that fits', () => {
    expect(estimateTrainingMemory(DEFAULT_CONFIG, 32).activationBytes).toBe(2 * estimateTrainingMemory(DEFAULT_CONFIG, 16).activationBytes);
    expect(memoryProblem(DEFAULT_CONFIG, 16, 'wasm')).toBeNull();
    const huge: PixelCNNConfig = { ...DEFAULT_CONFIG, height: 256, width: 256, colorChannels: 3, hiddenChannels: 1023, layers: 64 };
    const problem = memoryProblem(huge, 16, 'wasm')!;
    expect(problem).toMatch(
      /^This model needs about [\d.]+ GB to train on batches of 16 \(.* of weights, .* of activations\), more than the 2\.7 GB allowed on wasm/,
    );
    expect(problem).toMatch(/Use smaller images, fewer layers or fewer channels\.$/);
    const wide: PixelCNNConfig = { ...DEFAULT_CONFIG, hiddenChannels: 256 };
    const batch = largestFittingBatch(wide, MEMORY_BUDGETS.wasm.bytes);
    expect(batch).toBeGreaterThan(0);
    expect(batch).toBeLessThan(64);
    expect(memoryProblem(wide, 64, 'wasm')).toContain(`It would fit with a batch size of ${batch}, or with `);
    expect(memoryProblem(wide, batch, 'wasm')).toBeNull();
  });
});
