import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { sampleIncremental } from './incrementalSampler';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { type SampleOptions, sampleFullRecompute } from './sampler';

beforeAll(useCpuBackend);

/** Random weights and biases on the open taps, so every path carries signal. */
function randomise(model: PixelCNN, seed: number): void {
  model.layers.forEach((layer, i) => {
    tf.tidy(() => layer.weight.assign(tf.randomNormal(layer.weight.shape, 0, 0.4, 'float32', seed + i).mul(layer.mask)));
    tf.tidy(() => layer.bias.assign(tf.randomNormal(layer.bias.shape, 0, 0.2, 'float32', seed + 50 + i)));
  });
}

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

const CASES: Array<[string, PixelCNNConfig]> = [
  ['gray, 1 layer', { height: 4, width: 5, colorChannels: 1, levels: 6, hiddenChannels: 4, layers: 1, kernelSize: 3, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0 }],
  ['gray, 3 layers, 5×5', { height: 5, width: 4, colorChannels: 1, levels: 8, hiddenChannels: 5, layers: 3, kernelSize: 5, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0 }],
  ['gray, 3 layers, 5×5, 7-channel head', { height: 5, width: 4, colorChannels: 1, levels: 8, hiddenChannels: 5, layers: 3, kernelSize: 5, headChannels: 7, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0 }],
  ['RGB, 2 layers', { height: 3, width: 4, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0 }],
  ['RGB, 3 layers, 7×7', { height: 4, width: 3, colorChannels: 3, levels: 4, hiddenChannels: 9, layers: 3, kernelSize: 7, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 7, position: false, classes: 0 }],
  ['RGB, 2 layers, 3×3, 12-channel head', { height: 4, width: 3, colorChannels: 3, levels: 4, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 12, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0 }],
  ['gray, 2 layers, 5×5, 4-channel level embedding', { height: 4, width: 4, colorChannels: 1, levels: 6, hiddenChannels: 4, layers: 2, kernelSize: 5, headChannels: 0, inputEmbedding: 4, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0 }],
  ['RGB, 2 layers, 3×3, 3-channel level embedding and a head', { height: 3, width: 4, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 2, kernelSize: 3, headChannels: 6, inputEmbedding: 3, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0 }],
];

describe('the incremental sampler', () => {
  for (const arithmetic of ['javascript', 'tensors'] as const) {
    const sampler: typeof sampleFullRecompute = (model, options) => sampleIncremental(model, options, arithmetic);
    for (const [name, config] of CASES) {
      it(`${name}, ${arithmetic}: same logits at every step (1e-4) and the same images as the reference`, async () => {
        const model = createPixelCNN(config, 1);
        randomise(model, 5);
        const options = { count: 3, seed: 21, temperature: 1 };
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

  it('leaves no tensors behind, on either arithmetic', async () => {
    const model = createPixelCNN(CASES[2][1], 1);
    const before = tf.memory().numTensors;
    await sampleIncremental(model, { count: 2, seed: 1, temperature: 1 }, 'javascript');
    await sampleIncremental(model, { count: 2, seed: 1, temperature: 1 }, 'tensors');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
