import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { levelProbabilities } from './belief';
import type { PixelCNNConfig } from './config';
import { evaluateBitsPerDim } from './evaluate';
import { sampleIncremental } from './incrementalSampler';
import { bitsPerDimEach, inspectImage, receptiveField } from './inspect';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { type SampleOptions, sampleFullRecompute } from './referenceSampler';

/**
 * The inspection views' arithmetic: a finished image's one-pass logits are
 * the ones its sub-pixels were drawn from; the receptive field shows the
 * PixelCNN's blind spot and the Gated PixelCNN's lack of one; the surprise
 * map adds up to the image's bits/dim.
 */

beforeAll(useCpuBackend);

const BASE: PixelCNNConfig = {
  architecture: 'pixelcnn',
  height: 5,
  width: 5,
  colorChannels: 1,
  levels: 6,
  hiddenChannels: 6,
  layers: 3,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 6,
  inputEmbedding: 0,
  position: false,
  classes: 0,
  labelDropout: 0,
};

/** Every weight and table redrawn at a healthy size (masked again), so no dependence hides behind a tiny weight. */
function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.5, 'float32', seed + i)));
  });
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

function model(overrides: Partial<PixelCNNConfig>, seed = 3): PixelCNN {
  const m = createPixelCNN({ ...BASE, ...overrides }, seed);
  randomise(m, seed * 100);
  return m;
}

/** Runs a sampler and keeps a copy of every step's logits, [index][image · levels + v]. */
async function drawWithLogits(
  sampler: (m: PixelCNN, o: SampleOptions) => Promise<{ pixels: Int32Array }>,
  m: PixelCNN,
  labels?: Int32Array,
): Promise<{ pixels: Int32Array; logits: Float32Array[] }> {
  const logits: Float32Array[] = [];
  const { pixels } = await sampler(m, { count: 2, seed: 11, temperature: 1, labels, onSubPixel: (step) => void (logits[step.index] = step.logits.slice()) });
  return { pixels, logits };
}

const VARIANTS: Array<[string, Partial<PixelCNNConfig>]> = [
  ['PixelCNN, gray', {}],
  ['PixelCNN, RGB, embedded levels, position, classes', { colorChannels: 3, hiddenChannels: 6, inputEmbedding: 2, position: true, classes: 2 }],
  ['Gated PixelCNN, gray', { architecture: 'gated' }],
  ['Gated PixelCNN, RGB, embedded levels, position, classes', { architecture: 'gated', colorChannels: 3, inputEmbedding: 2, position: true, classes: 2 }],
];

describe('belief: one forward pass of a finished image gives the distributions it was drawn from', () => {
  for (const [name, overrides] of VARIANTS) {
    it(name, async () => {
      const m = model(overrides);
      const { levels, classes } = m.config;
      const labels = classes > 0 ? Int32Array.from([1, 0]) : undefined;
      const size = m.config.height * m.config.width * m.config.colorChannels;
      const before = tf.memory().numTensors;
      for (const sampler of [sampleFullRecompute, sampleIncremental]) {
        const drawn = await drawWithLogits(sampler, m, labels);
        for (let image = 0; image < 2; image++) {
          const pixels = drawn.pixels.subarray(image * size, (image + 1) * size);
          const { logits } = await inspectImage(m, { pixels, label: labels?.[image] });
          let logitGap = 0;
          let probabilityGap = 0;
          for (let index = 0; index < size; index++) {
            const used = drawn.logits[index].subarray(image * levels, (image + 1) * levels);
            const again = logits.subarray(index * levels, (index + 1) * levels);
            const p = levelProbabilities(used, 0, levels, 1);
            const q = levelProbabilities(again, 0, levels, 1);
            for (let v = 0; v < levels; v++) {
              logitGap = Math.max(logitGap, Math.abs(used[v] - again[v]));
              probabilityGap = Math.max(probabilityGap, Math.abs(p[v] - q[v]));
            }
          }
          // The reference sampler runs the same forward pass; the incremental one its own arithmetic.
          if (sampler === sampleFullRecompute) expect(logitGap).toBeLessThan(1e-5);
          expect(probabilityGap).toBeLessThan(1e-5);
        }
      }
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  }
});

describe('receptive field', () => {
  const config = { height: 7, width: 7, layers: 4 };
  const row = 4;
  const col = 2;
  /** Inputs up and to the right of (row, col) that a 3×3 mask-A-then-B stack can never reach: d rows up, more than d columns right. */
  const blindSpot: Array<[number, number]> = [];
  for (let d = 1; d <= row; d++) for (let x = col + d + 1; x < config.width; x++) blindSpot.push([row - d, x]);

  async function field(overrides: Partial<PixelCNNConfig>): Promise<{ map: Float32Array; m: PixelCNN }> {
    const m = model({ ...config, ...overrides });
    const size = m.config.height * m.config.width * m.config.colorChannels;
    const pixels = Int32Array.from({ length: size }, (_, i) => (i * 7 + 3) % m.config.levels);
    const before = tf.memory().numTensors;
    const map = await receptiveField(m, { pixels, label: m.config.classes > 0 ? 1 : undefined }, row, col);
    expect(tf.memory().numTensors).toBe(before);
    return { map, m };
  }

  for (const embedding of [0, 2]) {
    it(`PixelCNN (${embedding ? 'embedded' : 'scaled'} levels): the blind-spot triangle is exactly zero, the rest of the past is seen, the future is not`, async () => {
      const { map, m } = await field({ inputEmbedding: embedding });
      const at = (y: number, x: number) => map[y * config.width + x];
      expect(blindSpot.length).toBeGreaterThan(4);
      for (const [y, x] of blindSpot) expect(at(y, x), `(${y}, ${x})`).toBe(0);
      for (let i = row * config.width + col; i < map.length; i++) expect(map[i]).toBe(0);
      // Directly above, up and to the left, and to the left in the same row: seen.
      for (const [y, x] of [
        [row - 1, col],
        [row - 1, col + 1],
        [row - 2, col - 1],
        [row, col - 1],
        [row, col - 2],
      ])
        expect(at(y, x), `(${y}, ${x})`).toBeGreaterThan(0);
      m.dispose();
    });
  }

  it('Gated PixelCNN: the same triangle is seen; the future is not', async () => {
    const { map, m } = await field({ architecture: 'gated' });
    const at = (y: number, x: number) => map[y * config.width + x];
    for (const [y, x] of blindSpot) expect(at(y, x), `(${y}, ${x})`).toBeGreaterThan(0);
    for (let i = row * config.width + col; i < map.length; i++) expect(map[i]).toBe(0);
    m.dispose();
  });

  it('RGB: the pixel reads its own earlier channels (R for G and B) and never its last', async () => {
    const { map, m } = await field({ colorChannels: 3, hiddenChannels: 6 });
    const base = (row * config.width + col) * 3;
    expect(map[base]).toBeGreaterThan(0); // R, read by G and B
    expect(map[base + 1]).toBeGreaterThan(0); // G, read by B
    expect(map[base + 2]).toBe(0); // B is read by nothing of this pixel
    m.dispose();
  });
});

describe('surprise map', () => {
  for (const [name, overrides] of VARIANTS) {
    it(`${name}: the bits per sub-pixel sum to the image's bits/dim × sub-pixels, and each image's bits/dim is the evaluator's`, async () => {
      const m = model(overrides);
      const { height, width, colorChannels, levels, classes } = m.config;
      const size = height * width * colorChannels;
      const count = 3;
      const images = Uint8Array.from({ length: count * size }, (_, i) => (i * 5 + (i >> 3)) % levels);
      const labels = classes > 0 ? [1, 0, 1] : undefined;
      const each = await bitsPerDimEach(m, images, count, labels);
      for (let image = 0; image < count; image++) {
        const pixels = images.subarray(image * size, (image + 1) * size);
        const { bits, bitsPerDim } = await inspectImage(m, { pixels, label: labels?.[image] });
        const sum = bits.reduce((a, b) => a + b, 0);
        const evaluated = await evaluateBitsPerDim(m, pixels, 1, 1, labels ? [labels[image]] : undefined);
        expect(sum).toBeCloseTo(evaluated * size, 3);
        expect(bitsPerDim * size).toBeCloseTo(sum, 4);
        expect(each[image]).toBeCloseTo(evaluated, 4);
        expect(Math.min(...bits)).toBeGreaterThanOrEqual(0);
      }
      m.dispose();
    });
  }
});
