import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../../../test/tfSetup';
import { classRows, type PixelCNNConfig } from '../../config';
import { createPixelCNN } from '../../pixelcnn';
import { TINY_GATED } from '../../testConfigs';
import { KernelTrainer, kernelTrainingUnsupported } from './kernelTrainer';

beforeAll(useCpuBackend);

/** Every option of both architectures the kernels train, on tiny models. */
const CONFIGS: Array<[string, PixelCNNConfig]> = [
  ['gated gray, nothing extra', TINY_GATED],
  [
    'gated gray, embedding, head, position, classes with a "no class" row',
    { ...TINY_GATED, inputEmbedding: 3, headChannels: 6, position: true, classes: 3, labelDropout: 0.2 },
  ],
  ['gated gray, classes without a "no class" row, 7 levels, 3 channels', { ...TINY_GATED, classes: 2, levels: 7, hiddenChannels: 3, firstKernelSize: 3 }],
  ['gated RGB, embedding, head, position', { ...TINY_GATED, colorChannels: 3, hiddenChannels: 6, inputEmbedding: 2, headChannels: 9, position: true }],
  ['gated RGB, scaled levels, classes', { ...TINY_GATED, colorChannels: 3, hiddenChannels: 6, classes: 2, labelDropout: 0.1, layers: 2 }],
  [
    'gated RGB, 1×1 kernels throughout (a first layer with no open tap for gray)',
    { ...TINY_GATED, colorChannels: 3, hiddenChannels: 6, firstKernelSize: 1, kernelSize: 1 },
  ],
  ['PixelCNN gray, nothing extra', { ...TINY_GATED, architecture: 'pixelcnn' }],
  [
    'PixelCNN gray, embedding, head, position, classes with a "no class" row',
    { ...TINY_GATED, architecture: 'pixelcnn', inputEmbedding: 3, headChannels: 5, position: true, classes: 2, labelDropout: 0.3 },
  ],
  [
    'PixelCNN RGB, embedding, head, classes',
    { ...TINY_GATED, architecture: 'pixelcnn', colorChannels: 3, hiddenChannels: 6, inputEmbedding: 2, headChannels: 9, classes: 3 },
  ],
  [
    'PixelCNN RGB, scaled levels, position, 1×1 later layers',
    { ...TINY_GATED, architecture: 'pixelcnn', colorChannels: 3, hiddenChannels: 6, position: true, kernelSize: 1 },
  ],
];

function randomBatch(config: PixelCNNConfig, count: number, seed: number): { pixels: Int32Array; labels: Int32Array | undefined } {
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pixels = Int32Array.from({ length: count * config.height * config.width * config.colorChannels }, () => Math.floor(random() * config.levels));
  const labels = config.classes > 0 ? Int32Array.from({ length: count }, () => Math.floor(random() * classRows(config))) : undefined;
  return { pixels, labels };
}

function tensors(config: PixelCNNConfig, batch: { pixels: Int32Array; labels: Int32Array | undefined }, count: number) {
  return {
    images: tf.tensor4d(batch.pixels, [count, config.height, config.width, config.colorChannels], 'int32'),
    labels: batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined,
  };
}

/** The largest difference between two arrays, relative to the reference's largest magnitude (at least 1e-3). */
function difference(got: Float32Array, expected: Float32Array): number {
  expect(got.length).toBe(expected.length);
  let scale = 1e-3;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]) / scale);
  return worst;
}

describe('training step on the SIMD kernels: parity with tfjs', () => {
  for (const [name, config] of CONFIGS) {
    it(`${name}: loss and every gradient match tfjs, and 3 Adam steps leave the same weights`, async () => {
      const count = 3;
      const model = createPixelCNN(config, 7);
      expect(kernelTrainingUnsupported(model)).toBeNull();
      const trainer = await KernelTrainer.create(model);
      const batch = randomBatch(config, count, 5);
      const { images, labels } = tensors(config, batch, count);
      const { value, grads } = tf.variableGrads(() => model.bitsPerDim(images, labels), model.variables);
      const kernel = trainer.gradients(batch.pixels, count, batch.labels);
      expect(Math.abs(kernel.bits - (await value.data())[0])).toBeLessThan(1e-4);
      for (let i = 0; i < model.variables.length; i++) {
        const expected = (await grads[model.variables[i].name].data()) as Float32Array;
        expect(difference(kernel.gradients[i], expected), model.variables[i].name).toBeLessThan(1e-4);
      }
      tf.dispose([value, images, labels, ...Object.values(grads)]);

      // three Adam steps on three batches, tfjs's trainStep against the kernels'
      const optimizer = tf.train.adam(0.01);
      for (let step = 0; step < 3; step++) {
        const b = randomBatch(config, count, 100 + step);
        const t = tensors(config, b, count);
        const loss = model.trainStep(t.images, optimizer, t.labels);
        const bits = trainer.step(b.pixels, count, b.labels, 0.01);
        expect(Math.abs(bits - (await loss.data())[0])).toBeLessThan(1e-4);
        tf.dispose([loss, t.images, t.labels]);
      }
      const weights = trainer.weights();
      for (let i = 0; i < model.variables.length; i++) {
        const expected = (await model.variables[i].data()) as Float32Array;
        expect(difference(weights[i], expected), model.variables[i].name).toBeLessThan(1e-4);
        // closed taps stay exactly 0
        const layer = model.layers.find((l) => l.weight === model.variables[i]);
        if (layer) {
          const mask = await layer.mask.data();
          weights[i].forEach((w, j) => {
            if (mask[j] === 0) expect(Math.abs(w)).toBe(0);
          });
        }
      }
      optimizer.dispose();
      model.dispose();
    });
  }

  it('a batch of another size lays the workspace out again, and back: the same gradients as a trainer that saw only that size', async () => {
    const config = CONFIGS[1][1];
    const model = createPixelCNN(config, 3);
    const [moving, fixed] = [await KernelTrainer.create(model), await KernelTrainer.create(model)];
    const [big, small] = [randomBatch(config, 4, 1), randomBatch(config, 1, 2)];
    const expected = fixed.gradients(big.pixels, 4, big.labels);
    moving.gradients(big.pixels, 4, big.labels);
    moving.gradients(small.pixels, 1, small.labels);
    const again = moving.gradients(big.pixels, 4, big.labels);
    expect(again.bits).toBe(expected.bits);
    again.gradients.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(expected.gradients[i])));
    model.dispose();
  });

  it('refuses a batch it cannot read, in words', async () => {
    const config = CONFIGS[1][1];
    const model = createPixelCNN(config, 3);
    const trainer = await KernelTrainer.create(model);
    const { pixels, labels } = randomBatch(config, 2, 1);
    expect(() => trainer.gradients(pixels, 3, labels)).toThrow(/pixel values for 3 images/);
    expect(() => trainer.gradients(pixels, 2)).toThrow(/needs a label for each image/);
    expect(() => trainer.gradients(pixels, 2, Int32Array.of(0, 9))).toThrow(/label 9 is outside/);
    expect(() =>
      trainer.gradients(
        Int32Array.from(pixels, () => config.levels),
        2,
        labels,
      ),
    ).toThrow(/outside 0…5/);
    model.dispose();
  });
});
