import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { noClassLabel, type PixelCNNConfig } from './config';
import { fileSampler } from './fileSampler';
import { guidanceAtRow } from './guidance';
import { sampleIncremental } from './incrementalSampler';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { type SampleOptions, sampleFullRecompute } from './referenceSampler';
import { modelFromSaved, saveModel } from './serialize';
import { TINY_GATED } from './testConfigs';

/**
 * Classifier-free guidance in every sampler: each sub-pixel is drawn from
 * logits_u + w·(logits_c − logits_u). The reference sampler is checked
 * against the formula itself; every other sampler against the reference.
 */

beforeAll(useCpuBackend);

type Sampler = (model: PixelCNN, options: SampleOptions) => Promise<{ pixels: Int32Array; completed: number }>;

/** Random values on every variable (the "no class" row too), the closed taps zeroed. */
function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.4, 'float32', seed + i))));
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

async function run(sampler: Sampler, model: PixelCNN, options: SampleOptions) {
  const logits: Float32Array[] = [];
  const result = await sampler(model, { ...options, onSubPixel: (step) => void logits.push(step.logits.slice()) });
  return { pixels: Array.from(result.pixels), logits };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(a).toHaveLength(b.length);
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

const CASES: Array<[string, PixelCNNConfig]> = [
  [
    'PixelCNN, gray, embedding, position, 3 classes',
    { ...TINY_GATED, architecture: 'pixelcnn', layers: 2, headChannels: 4, inputEmbedding: 2, position: true, classes: 3, labelDropout: 0.2 },
  ],
  [
    'PixelCNN, RGB, 2 classes',
    {
      ...TINY_GATED,
      architecture: 'pixelcnn',
      colorChannels: 3,
      hiddenChannels: 6,
      height: 3,
      width: 4,
      firstKernelSize: 3,
      layers: 2,
      headChannels: 6,
      classes: 2,
      labelDropout: 0.1,
    },
  ],
  ['gated, gray, embedding, head, position, 3 classes', { ...TINY_GATED, inputEmbedding: 3, headChannels: 8, position: true, classes: 3, labelDropout: 0.15 }],
  [
    'gated, RGB, head, 2 classes',
    { ...TINY_GATED, colorChannels: 3, hiddenChannels: 6, height: 3, width: 4, firstKernelSize: 3, headChannels: 6, classes: 2, labelDropout: 0.15 },
  ],
];

const labelsFor = (config: PixelCNNConfig, count: number) => Int32Array.from({ length: count }, (_, b) => (b * 2 + 1) % config.classes);

const SAMPLERS: Array<[string, Sampler]> = [
  ['incremental, javascript', (m, o) => sampleIncremental(m, o, 'javascript')],
  ['incremental, simd', (m, o) => sampleIncremental(m, o, 'simd')],
];

describe('the weight over the rows', () => {
  it('is the full weight down to 75% of the rows, fades linearly to 1 at 95%, and never fades a weight at or below 1', () => {
    // 28 rows: row / 27.
    expect(guidanceAtRow(3, 0, 28)).toBe(3);
    expect(guidanceAtRow(3, 20, 28)).toBe(3);
    expect(guidanceAtRow(3, 21, 28)).toBeCloseTo(1 + (2 * (0.95 - 21 / 27)) / 0.2, 12);
    expect(guidanceAtRow(3, 25, 28)).toBeCloseTo(1 + (2 * (0.95 - 25 / 27)) / 0.2, 12);
    expect(guidanceAtRow(3, 26, 28)).toBe(1);
    expect(guidanceAtRow(3, 27, 28)).toBe(1);
    for (let row = 20; row < 27; row++) expect(guidanceAtRow(5, row + 1, 28)).toBeLessThanOrEqual(guidanceAtRow(5, row, 28));
    for (const w of [0, 0.5, 1]) for (const row of [0, 27]) expect(guidanceAtRow(w, row, 28)).toBe(w);
    // One row: nothing to fade.
    expect(guidanceAtRow(4, 0, 1)).toBe(4);
  });
});

describe('classifier-free guidance', () => {
  for (const [name, config] of CASES) {
    describe(name, () => {
      it('the reference sampler draws from logits_u + w·(logits_c − logits_u), computed here from the model itself', async () => {
        const model = createPixelCNN(config, 2);
        randomise(model, 11);
        const count = 2;
        const labels = labelsFor(config, count);
        const noClass = new Int32Array(count).fill(noClassLabel(config)!);
        const { height: H, width: W, colorChannels: C, levels } = config;
        const w = 3;
        let checked = 0;
        let fadedOut = 0;
        await sampleFullRecompute(model, {
          count,
          seed: 3,
          temperature: 1,
          labels,
          guidance: w,
          onSubPixel: (step) => {
            // Every third sub-pixel: the images before this one, scored with both labels.
            if (step.index % 3 !== 0) return;
            const before = step.pixels.slice();
            for (let b = 0; b < count; b++) before[b * H * W * C + step.index] = 0;
            const [c, u] = [labels, noClass].map((l) =>
              tf.tidy(() =>
                model
                  .logits(tf.tensor4d(before, [count, H, W, C], 'int32'), tf.tensor1d(l, 'int32'))
                  .slice([0, step.row, step.col, step.channel, 0], [count, 1, 1, 1, levels])
                  .dataSync(),
              ),
            );
            const wRow = guidanceAtRow(w, step.row, H);
            for (let i = 0; i < count * levels; i++) expect(step.logits[i]).toBeCloseTo(u[i] + wRow * (c[i] - u[i]), 4);
            checked++;
            if (wRow === 1) fadedOut++;
          },
        });
        expect(checked).toBeGreaterThan(3);
        // The last row is drawn unguided (the fade), the first ones at the full weight.
        expect(fadedOut).toBeGreaterThan(0);
        expect(fadedOut).toBeLessThan(checked);
        model.dispose();
      });

      it('w = 1 is the plain conditional sampler exactly, and w = 0 the "no class" label exactly', async () => {
        const model = createPixelCNN(config, 2);
        randomise(model, 12);
        const options: SampleOptions = { count: 3, seed: 5, temperature: 1, labels: labelsFor(config, 3) };
        for (const [, sampler] of [['reference', sampleFullRecompute] as [string, Sampler], ...SAMPLERS]) {
          expect(await run(sampler, model, { ...options, guidance: 1 })).toEqual(await run(sampler, model, options));
          const unconditional = { ...options, labels: new Int32Array(3).fill(noClassLabel(config)!) };
          expect(await run(sampler, model, { ...options, guidance: 0 })).toEqual(await run(sampler, model, unconditional));
        }
        model.dispose();
      });

      for (const [samplerName, sampler] of SAMPLERS) {
        it(`${samplerName}: the reference's logits (1e-4) and images at w = 0, 1 and 3`, async () => {
          const model = createPixelCNN(config, 4);
          randomise(model, 13);
          for (const guidance of [0, 1, 3]) {
            const options: SampleOptions = { count: 3, seed: 7 + guidance, temperature: 1, labels: labelsFor(config, 3), guidance };
            const reference = await run(sampleFullRecompute, model, options);
            const fast = await run(sampler, model, options);
            expect(maxDifference(fast.logits, reference.logits)).toBeLessThan(1e-4);
            expect(fast.pixels).toEqual(reference.pixels);
          }
          model.dispose();
        });
      }
    });
  }

  it('the file sampler (no tfjs) draws what the model draws at w = 0, 1 and 3', async () => {
    const config = CASES[2][1];
    const model = createPixelCNN(config, 6);
    randomise(model, 14);
    const saved = await saveModel(model);
    const loaded = modelFromSaved(saved);
    const sample = fileSampler(saved)!;
    for (const guidance of [0, 1, 3]) {
      const options: SampleOptions = { count: 3, seed: 2, temperature: 1, labels: labelsFor(config, 3), guidance };
      const expected = await run(sampleFullRecompute, loaded, options);
      const got = await run((_, o) => sample(o), loaded, options);
      expect(maxDifference(got.logits, expected.logits)).toBeLessThan(1e-4);
      expect(got.pixels).toEqual(expected.pixels);
    }
    model.dispose();
    loaded.dispose();
  });

  it('a completion prefix is kept and continued under guidance as the reference continues it', async () => {
    const config = CASES[3][1];
    const model = createPixelCNN(config, 8);
    randomise(model, 15);
    const perImage = config.height * config.width * config.colorChannels;
    const prefix = { pixels: Int32Array.from({ length: 2 * perImage }, (_, i) => (i * 5) % config.levels), length: 13 };
    const options: SampleOptions = { count: 2, seed: 4, temperature: 0.9, labels: Int32Array.from([1, 0]), guidance: 2.5, prefix };
    const reference = await run(sampleFullRecompute, model, options);
    const fast = await run(sampleIncremental, model, options);
    expect(fast.pixels).toEqual(reference.pixels);
    expect(maxDifference(fast.logits, reference.logits)).toBeLessThan(1e-4);
    expect(fast.pixels.slice(0, 13)).toEqual(Array.from(prefix.pixels.subarray(0, 13)));
    expect(fast.pixels.slice(perImage, perImage + 13)).toEqual(Array.from(prefix.pixels.subarray(perImage, perImage + 13)));
    model.dispose();
  });

  it('guidance changes what is drawn: w = 3 differs from w = 1 on the same seed', async () => {
    const config = CASES[2][1];
    const model = createPixelCNN(config, 9);
    randomise(model, 16);
    const options: SampleOptions = { count: 4, seed: 1, temperature: 1, labels: labelsFor(config, 4) };
    const plain = await run(sampleIncremental, model, options);
    const guided = await run(sampleIncremental, model, { ...options, guidance: 3 });
    expect(guided.pixels).not.toEqual(plain.pixels);
    model.dispose();
  });

  it('is refused, with the reason, by a model without a "no class" row, and for a weight below 0', async () => {
    const old = createPixelCNN({ ...TINY_GATED, classes: 2 }, 1);
    const unconditional = createPixelCNN(TINY_GATED, 1);
    const guided = createPixelCNN(CASES[2][1], 1);
    const labels = Int32Array.from([0, 1]);
    await expect(sampleIncremental(old, { count: 2, seed: 1, temperature: 1, labels, guidance: 2 })).rejects.toThrow(/trained with label dropout/);
    await expect(sampleIncremental(unconditional, { count: 2, seed: 1, temperature: 1, guidance: 2 })).rejects.toThrow(/unconditional/);
    await expect(sampleIncremental(guided, { count: 2, seed: 1, temperature: 1, labels, guidance: -1 })).rejects.toThrow(/at least 0/);
    await expect(sampleIncremental(guided, { count: 2, seed: 1, temperature: 1, labels, guidance: Number.NaN })).rejects.toThrow(/at least 0/);
    // w = 1 is the plain model: fine without the row.
    await expect(sampleIncremental(old, { count: 2, seed: 1, temperature: 1, labels, guidance: 1 })).resolves.toBeTruthy();
    for (const m of [old, unconditional, guided]) m.dispose();
  });

  it('leaves no tensors behind', async () => {
    const config = CASES[0][1];
    const model = createPixelCNN(config, 1);
    const before = tf.memory().numTensors;
    await sampleIncremental(model, { count: 2, seed: 1, temperature: 1, labels: labelsFor(config, 2), guidance: 2 });
    await sampleFullRecompute(model, { count: 1, seed: 1, temperature: 1, labels: labelsFor(config, 1), guidance: 2 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
