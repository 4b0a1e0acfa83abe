import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { sampleFullRecompute } from './referenceSampler';

beforeAll(useCpuBackend);

async function train(model: PixelCNN, data: tf.Tensor4D, steps: number, learningRate: number): Promise<number> {
  const optimizer = tf.train.adam(learningRate);
  for (let s = 0; s < steps; s++) model.trainStep(data, optimizer).dispose();
  optimizer.dispose();
  const bits = model.bitsPerDim(data);
  const value = (await bits.data())[0];
  bits.dispose();
  return value;
}

describe('the reference sampler', () => {
  const config: PixelCNNConfig = {
    height: 3,
    width: 4,
    colorChannels: 3,
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

  it('is deterministic for a fixed seed and differs for another seed', async () => {
    const model = createPixelCNN(config, 4);
    const a = await sampleFullRecompute(model, { count: 2, seed: 9, temperature: 1 });
    const b = await sampleFullRecompute(model, { count: 2, seed: 9, temperature: 1 });
    const c = await sampleFullRecompute(model, { count: 2, seed: 10, temperature: 1 });
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels));
    expect(Array.from(a.pixels)).not.toEqual(Array.from(c.pixels));
    model.dispose();
  });

  it('visits sub-pixels in generation order: rows, then columns, then R, G, B', async () => {
    const model = createPixelCNN(config, 4);
    const visited: string[] = [];
    await sampleFullRecompute(model, {
      count: 1,
      seed: 1,
      temperature: 1,
      onSubPixel: ({ row, col, channel, index }) => {
        expect(index).toBe(visited.length);
        visited.push(`${row},${col},${channel}`);
      },
    });
    const expected: string[] = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) for (let ch = 0; ch < 3; ch++) expected.push(`${r},${c},${ch}`);
    expect(visited).toEqual(expected);
    model.dispose();
  });

  it('keeps a completion prefix and samples only the rest', async () => {
    const model = createPixelCNN(config, 4);
    const prefix = new Int32Array(36).fill(3);
    const result = await sampleFullRecompute(model, { count: 1, seed: 2, temperature: 1, prefix: { pixels: prefix, length: 13 } });
    expect(Array.from(result.pixels.subarray(0, 13))).toEqual(new Array(13).fill(3));
    model.dispose();
  });

  it('stops early when asked and reports how far it got', async () => {
    const model = createPixelCNN(config, 4);
    let steps = 0;
    const result = await sampleFullRecompute(model, { count: 1, seed: 2, temperature: 1, onSubPixel: () => void steps++, shouldStop: () => steps >= 5 });
    expect(result.completed).toBe(5);
    model.dispose();
  });

  it('keeps the tensor count flat while sampling', async () => {
    const model = createPixelCNN(config, 4);
    await sampleFullRecompute(model, { count: 1, seed: 1, temperature: 1 });
    const before = tf.memory().numTensors;
    await sampleFullRecompute(model, { count: 2, seed: 1, temperature: 1 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a tiny trained model reproduces a rule every training image obeys: constant grayscale images', async () => {
    const gray: PixelCNNConfig = {
      height: 4,
      width: 4,
      colorChannels: 1,
      levels: 2,
      hiddenChannels: 8,
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
    const data = tf.tidy(() => tf.tensor4d([0, 1, 0, 1, 1, 0, 1, 0], [8, 1, 1, 1], 'int32').tile([1, 4, 4, 1]) as tf.Tensor4D);
    const model = createPixelCNN(gray, 1);
    const bits = await train(model, data, 150, 0.03);
    expect(bits).toBeLessThan(0.1);
    const { pixels } = await sampleFullRecompute(model, { count: 6, seed: 5, temperature: 1 });
    for (let b = 0; b < 6; b++) {
      const image = Array.from(pixels.subarray(b * 16, b * 16 + 16));
      expect(new Set(image).size, `image ${b}: ${image.join('')}`).toBe(1);
    }
    data.dispose();
    model.dispose();
  });

  it('a tiny trained colour model draws G and B conditioned on R of the same pixel: gray pixels stay gray', async () => {
    const rgb: PixelCNNConfig = {
      height: 2,
      width: 2,
      colorChannels: 3,
      levels: 4,
      hiddenChannels: 12,
      layers: 1,
      kernelSize: 3,
      headChannels: 0,
      inputEmbedding: 0,
      architecture: 'pixelcnn',
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    };
    // Each pixel's level is random, and R = G = B: only in-pixel conditioning can predict G and B.
    const data = tf.tidy(() => tf.randomUniformInt([32, 2, 2, 1], 0, 4, 8).tile([1, 1, 1, 3]) as tf.Tensor4D);
    const model = createPixelCNN(rgb, 2);
    const bits = await train(model, data, 300, 0.03);
    expect(bits).toBeLessThan(0.75); // R costs up to 2 bits of 3 sub-pixels; G and B about 0
    const { pixels } = await sampleFullRecompute(model, { count: 8, seed: 3, temperature: 1 });
    for (let p = 0; p < pixels.length; p += 3) {
      expect([pixels[p + 1], pixels[p + 2]], `pixel ${p / 3}`).toEqual([pixels[p], pixels[p]]);
    }
    data.dispose();
    model.dispose();
  });
});
