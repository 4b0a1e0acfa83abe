import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { TINY_GATED } from './testConfigs';
import { sampleIncremental } from './incrementalSampler';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { type SampleOptions, sampleFullRecompute } from './referenceSampler';

beforeAll(useCpuBackend);

/** Random weights, biases and tables on the open taps, so every path carries signal. */
function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.4, 'float32', seed + i)));
  });
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

const GATED = TINY_GATED;

async function run(sampler: typeof sampleFullRecompute, model: PixelCNN, options: SampleOptions) {
  const logits: Float32Array[] = [];
  const result = await sampler(model, { ...options, onSubPixel: (step) => void logits.push(step.logits.slice()) });
  return { ...result, logits };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

// A table, one case a line, so prettier leaves it be.
// prettier-ignore
const CASES: Array<[string, PixelCNNConfig]> = [
  ['gray, 1 layer', { height: 4, width: 5, colorChannels: 1, levels: 6, hiddenChannels: 4, layers: 1, kernelSize: 3, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['gray, 3 layers, 5×5', { height: 5, width: 4, colorChannels: 1, levels: 8, hiddenChannels: 5, layers: 3, kernelSize: 5, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['gray, 3 layers, 5×5, 7-channel head', { height: 5, width: 4, colorChannels: 1, levels: 8, hiddenChannels: 5, layers: 3, kernelSize: 5, headChannels: 7, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 2 layers', { height: 3, width: 4, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 3 layers, 7×7', { height: 4, width: 3, colorChannels: 3, levels: 4, hiddenChannels: 9, layers: 3, kernelSize: 7, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 7, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 2 layers, 3×3, 12-channel head', { height: 4, width: 3, colorChannels: 3, levels: 4, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 12, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['gray, 2 layers, 5×5, 4-channel level embedding', { height: 4, width: 4, colorChannels: 1, levels: 6, hiddenChannels: 4, layers: 2, kernelSize: 5, headChannels: 0, inputEmbedding: 4, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 2 layers, 3×3, 3-channel level embedding and a head', { height: 3, width: 4, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 6, inputEmbedding: 3, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['gray PixelCNN, position and 3 classes', { height: 4, width: 4, colorChannels: 1, levels: 6, hiddenChannels: 4, layers: 2, kernelSize: 3, headChannels: 4, inputEmbedding: 2, architecture: 'pixelcnn', firstKernelSize: 5, position: true, classes: 3, labelDropout: 0 }],
  ['RGB PixelCNN, position and 2 classes', { height: 3, width: 4, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 6, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: true, classes: 2, labelDropout: 0 }],
  ['gated, gray', GATED],
  ['gated, gray, embedding, head, position and 3 classes', { ...GATED, inputEmbedding: 3, headChannels: 8, position: true, classes: 3 }],
  ['gated, RGB', { ...GATED, colorChannels: 3, hiddenChannels: 6, height: 3, width: 4, firstKernelSize: 3 }],
  ['gated, RGB, embedding, head, position and 2 classes', { ...GATED, colorChannels: 3, hiddenChannels: 6, height: 3, width: 4, firstKernelSize: 3, inputEmbedding: 2, headChannels: 6, position: true, classes: 2 }],
];

/** A label per image for a conditional model. */
function withLabels(config: PixelCNNConfig, options: SampleOptions): SampleOptions {
  if (config.classes === 0) return options;
  return { ...options, labels: Int32Array.from({ length: options.count }, (_, b) => (b * 2 + 1) % config.classes) };
}

describe('the incremental sampler', () => {
  for (const arithmetic of ['javascript', 'simd'] as const) {
    const sampler: typeof sampleFullRecompute = (model, options) => sampleIncremental(model, options, arithmetic);
    for (const [name, config] of CASES) {
      it(`${name}, ${arithmetic}: same logits at every step (1e-4) and the same images as the reference`, async () => {
        const model = createPixelCNN(config, 1);
        randomise(model, 5);
        const options = withLabels(config, { count: 3, seed: 21, temperature: 1 });
        const reference = await run(sampleFullRecompute, model, options);
        const fast = await run(sampler, model, options);
        expect(fast.logits).toHaveLength(reference.logits.length);
        expect(maxDifference(fast.logits, reference.logits)).toBeLessThan(1e-4);
        expect(Array.from(fast.pixels)).toEqual(Array.from(reference.pixels));
        model.dispose();
      });
    }
  }

  it('continues a completion prefix exactly like the reference', async () => {
    const config = CASES[2][1];
    const model = createPixelCNN(config, 2);
    randomise(model, 8);
    const perImage = config.height * config.width * config.colorChannels;
    const prefix = { pixels: Int32Array.from({ length: 2 * perImage }, (_, i) => (i * 7) % config.levels), length: 17 };
    const options = { count: 2, seed: 4, temperature: 0.8, prefix };
    const reference = await run(sampleFullRecompute, model, options);
    const fast = await run(sampleIncremental, model, options);
    expect(fast.logits).toHaveLength(perImage - 17);
    expect(maxDifference(fast.logits, reference.logits)).toBeLessThan(1e-4);
    expect(Array.from(fast.pixels)).toEqual(Array.from(reference.pixels));
    expect(Array.from(fast.pixels.subarray(0, 17))).toEqual(Array.from(prefix.pixels.subarray(0, 17)));
    model.dispose();
  });

  it('continues a completion prefix exactly like the reference: gated, conditional', async () => {
    const config = { ...GATED, classes: 2, position: true, headChannels: 4 };
    const model = createPixelCNN(config, 2);
    randomise(model, 8);
    const perImage = config.height * config.width * config.colorChannels;
    const prefix = { pixels: Int32Array.from({ length: 2 * perImage }, (_, i) => (i * 7) % config.levels), length: 7 };
    const options = { count: 2, seed: 4, temperature: 0.8, prefix, labels: Int32Array.from([1, 0]) };
    const reference = await run(sampleFullRecompute, model, options);
    const fast = await run(sampleIncremental, model, options);
    expect(maxDifference(fast.logits, reference.logits)).toBeLessThan(1e-4);
    expect(Array.from(fast.pixels)).toEqual(Array.from(reference.pixels));
    model.dispose();
  });

  it('a conditional model refuses to sample without a label per image', async () => {
    const model = createPixelCNN({ ...GATED, classes: 2 }, 1);
    await expect(sampleIncremental(model, { count: 2, seed: 1, temperature: 1 })).rejects.toThrow(/say which class each image should be/);
    await expect(sampleIncremental(model, { count: 2, seed: 1, temperature: 1, labels: Int32Array.from([0, 5]) })).rejects.toThrow(/Label 5 is not a class/);
    model.dispose();
  });

  it('leaves no tensors behind, on either arithmetic, for both architectures', async () => {
    for (const config of [CASES[2][1], { ...GATED, classes: 2, position: true, headChannels: 4 }]) {
      const model = createPixelCNN(config, 1);
      const before = tf.memory().numTensors;
      await sampleIncremental(model, withLabels(config, { count: 2, seed: 1, temperature: 1 }), 'javascript');
      await sampleIncremental(model, withLabels(config, { count: 2, seed: 1, temperature: 1 }), 'simd');
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
  });
});
