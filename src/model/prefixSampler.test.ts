import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { sampleIncremental } from './incrementalSampler';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { type SampleOptions, sampleFullRecompute } from './referenceSampler';

/**
 * Completing a drawing: the first `keep` rows of every image are given, and
 * sampling resumes at the first sub-pixel of row `keep`. Every sampler must
 * leave the given rows exactly as they were, and the incremental samplers
 * must draw exactly the reference sampler's completion from the same seed.
 */

beforeAll(useCpuBackend);

function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.4, 'float32', seed + i)));
  });
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

const BASE: PixelCNNConfig = {
  architecture: 'pixelcnn',
  height: 5,
  width: 4,
  colorChannels: 1,
  levels: 6,
  hiddenChannels: 6,
  layers: 2,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 4,
  inputEmbedding: 2,
  position: true,
  classes: 0,
  labelDropout: 0,
};

const CASES: Array<[string, PixelCNNConfig]> = [
  ['PixelCNN, gray', BASE],
  ['PixelCNN, RGB, 2 classes', { ...BASE, colorChannels: 3, headChannels: 6, classes: 2 }],
  ['gated, gray, 3 classes', { ...BASE, architecture: 'gated', layers: 3, firstKernelSize: 5, classes: 3 }],
  ['gated, RGB', { ...BASE, architecture: 'gated', colorChannels: 3, headChannels: 6, layers: 3 }],
];

/** A drawing per image: distinct values everywhere, so a changed kept value cannot hide. */
function drawing(config: PixelCNNConfig, count: number): Int32Array {
  const perImage = config.height * config.width * config.colorChannels;
  return Int32Array.from({ length: count * perImage }, (_, i) => (i * 5 + 3) % config.levels);
}

async function complete(sampler: typeof sampleFullRecompute, model: PixelCNN, options: SampleOptions) {
  const logits: Float32Array[] = [];
  const firstIndex: number[] = [];
  const result = await sampler(model, {
    ...options,
    onSubPixel: (step) => {
      if (firstIndex.length === 0) firstIndex.push(step.index);
      logits.push(step.logits.slice());
    },
  });
  return { ...result, logits, firstIndex: firstIndex[0] };
}

describe('sampling from a given prefix of rows', () => {
  for (const [name, config] of CASES) {
    for (const keep of [1, 3]) {
      it(`${name}, ${keep} kept rows: kept rows unchanged, and both incremental arithmetics draw the reference's completion`, async () => {
        const model = createPixelCNN(config, 3);
        randomise(model, 11);
        const count = 3;
        const perImage = config.height * config.width * config.colorChannels;
        const length = keep * config.width * config.colorChannels;
        const given = drawing(config, count);
        const labels = config.classes > 0 ? Int32Array.from({ length: count }, (_, b) => b % config.classes) : undefined;
        const options: SampleOptions = { count, seed: 77, temperature: 1, labels, prefix: { pixels: given, length } };

        const reference = await complete(sampleFullRecompute, model, options);
        const runs = [
          reference,
          await complete((m, o) => sampleIncremental(m, o, 'javascript'), model, options),
          await complete((m, o) => sampleIncremental(m, o, 'simd'), model, options),
        ];
        for (const run of runs) {
          expect(run.completed).toBe(perImage);
          // Sampling resumes at the first free sub-pixel, and visits only the free ones.
          expect(run.firstIndex).toBe(length);
          expect(run.logits).toHaveLength(perImage - length);
          for (let b = 0; b < count; b++) {
            const kept = run.pixels.subarray(b * perImage, b * perImage + length);
            expect(Array.from(kept)).toEqual(Array.from(given.subarray(b * perImage, b * perImage + length)));
          }
          expect(Array.from(run.pixels)).toEqual(Array.from(reference.pixels));
          let worst = 0;
          run.logits.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - reference.logits[i][j])))));
          expect(worst).toBeLessThan(1e-4);
        }
        // The completion depends on the drawing: a different kept part changes the logits it is drawn from.
        const other = await complete(sampleFullRecompute, model, { ...options, prefix: { pixels: given.map((v) => (v + 1) % config.levels), length } });
        expect(other.logits.flatMap((row) => Array.from(row))).not.toEqual(reference.logits.flatMap((row) => Array.from(row)));
        model.dispose();
      });
    }
  }
});
