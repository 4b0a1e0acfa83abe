import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../data/types';
import type { PixelCNNConfig } from '../model/config';
import type { PixelCNN } from '../model/pixelcnn';
import { startGradientHelpers } from '../node/gradientHelpers';
import { useCpuBackend } from '../test/tfSetup';
import type { Checkpoint } from './checkpoint';
import { formatDuration, formatProgress } from './progressBar';
import { splitShares } from './gradients';
import { type PretrainHooks, pretrain } from './run';
import { type PretrainSettings, batchIndices, learningRateAt } from './schedule';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  height: 4,
  width: 4,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 4,
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
const settings: PretrainSettings = { config: tiny, seed: 9, steps: 6, batchSize: 2, peakLearningRate: 0.01, finalLearningRate: 0.001, warmupSteps: 2 };

function images(count: number): ImageDataset {
  const pixels = new Uint8Array(count * 16);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + Math.floor(i / 16)) % 4;
  return { width: 4, height: 4, channels: 1, levels: 4, count, pixels };
}

describe('the pretraining schedule', () => {
  it('warms up linearly to the peak, then decays to the final rate at the last step', () => {
    const s = { ...settings, steps: 100, warmupSteps: 10, peakLearningRate: 1e-3, finalLearningRate: 1e-5 };
    expect(learningRateAt(0, s)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(9, s)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(55, s)).toBeCloseTo((1e-3 + 1e-5) / 2, 12);
    expect(learningRateAt(100, s)).toBeCloseTo(1e-5, 12);
    for (let k = 11; k < 100; k++) expect(learningRateAt(k, s)).toBeLessThan(learningRateAt(k - 1, s));
  });

  it('shows every training image once per epoch, in a new order each epoch, the same for the same seed', () => {
    const count = 10;
    const epoch = (e: number) => [0, 1, 2, 3, 4].flatMap((k) => batchIndices(e * 5 + k, count, 2, 3));
    expect([...epoch(0)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...epoch(1)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch(1)).not.toEqual(epoch(0));
    expect(batchIndices(7, count, 2, 3)).toEqual(batchIndices(7, count, 2, 3));
    expect(epoch(0)).not.toEqual([0, 1, 2, 3, 4].flatMap((k) => batchIndices(k, count, 2, 4)));
    expect(() => batchIndices(0, 1, 2, 3)).toThrow(/at least that many/);
  });
});

describe('a pretraining run', () => {
  function hooks(stopAt = Infinity): PretrainHooks & { checkpoints: Checkpoint[]; steps: number[] } {
    const checkpoints: Checkpoint[] = [];
    const steps: number[] = [];
    return {
      checkpoints,
      steps,
      onProgress: (p) => steps.push(p.step),
      onCheckpoint: async (c) => void checkpoints.push(JSON.parse(JSON.stringify(c)) as Checkpoint),
      shouldStop: () => steps.length >= stopAt,
    };
  }
  const run = { train: images(8), test: images(3), checkpointEvery: 100, estimateEvery: 3, estimateImages: 2 };

  it('stopped and resumed, ends with exactly the weights of an uninterrupted run, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const straight = await pretrain({ ...run, settings }, hooks());
    expect(straight.finished).toBe(true);
    const straightWeights = straight.model.variables.map((v) => Array.from(v.dataSync()));
    straight.model.dispose();

    const first = hooks(3);
    const stopped = await pretrain({ ...run, settings }, first);
    expect(stopped).toMatchObject({ finished: false, step: 3 });
    stopped.model.dispose();
    const checkpoint = first.checkpoints.at(-1)!;
    expect(checkpoint.step).toBe(3);

    const second = hooks();
    const resumed = await pretrain({ ...run, settings, resumeFrom: checkpoint }, second);
    expect(resumed).toMatchObject({ finished: true, step: 6 });
    expect(second.steps).toEqual([4, 5, 6]);
    expect(resumed.trainBits).toEqual(straight.trainBits);
    resumed.model.variables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(straightWeights[i]));
    resumed.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('split across helper threads, takes the steps one thread takes on the whole batch', async () => {
    const wide = { ...settings, batchSize: 5, config: { ...tiny, headChannels: 3 } };
    const alone = await pretrain({ ...run, settings: wide }, hooks());
    const root = new URL('../..', import.meta.url).pathname;
    const helpers = await startGradientHelpers(root, wide.config, 2);
    try {
      const shared = await pretrain({ ...run, settings: wide, helpers }, hooks());
      // Three shares of 2, 2 and 1 images, on two backends (cpu here, wasm in the threads): equal up to rounding.
      shared.trainBits.forEach((bits, i) => expect(bits).toBeCloseTo(alone.trainBits[i], 4));
      shared.model.variables.forEach((v, i) => {
        const a = alone.model.variables[i].dataSync();
        v.dataSync().forEach((value, j) => expect(Math.abs(value - a[j])).toBeLessThan(1e-4));
      });
      shared.model.dispose();
    } finally {
      alone.model.dispose();
      await Promise.all(helpers.map((helper) => helper.close()));
    }
  });

  it('on the SIMD kernels (Gated PixelCNN): the steps tfjs takes, alone and shared with helper threads, and a resumed run ends where an uninterrupted one does', async () => {
    const gated = { ...settings, batchSize: 3, config: { ...tiny, architecture: 'gated' as const, inputEmbedding: 2, headChannels: 3, position: true } };
    const close = (a: PixelCNN, b: PixelCNN, tolerance: number) =>
      a.variables.forEach((v, i) => {
        const other = b.variables[i].dataSync();
        v.dataSync().forEach((value, j) => expect(Math.abs(value - other[j])).toBeLessThan(tolerance));
      });
    const onTfjs = await pretrain({ ...run, settings: gated, arithmetic: 'tfjs' }, hooks());
    const onKernels = await pretrain({ ...run, settings: gated, arithmetic: 'kernels' }, hooks());
    onKernels.trainBits.forEach((bits, i) => expect(bits).toBeCloseTo(onTfjs.trainBits[i], 4));
    close(onKernels.model, onTfjs.model, 1e-4);

    const first = hooks(3);
    (await pretrain({ ...run, settings: gated, arithmetic: 'kernels' }, first)).model.dispose();
    const resumed = await pretrain({ ...run, settings: gated, arithmetic: 'kernels', resumeFrom: first.checkpoints.at(-1)! }, hooks());
    expect(resumed.step).toBe(6);
    close(resumed.model, onKernels.model, 1e-6);

    const root = new URL('../..', import.meta.url).pathname;
    const helpers = await startGradientHelpers(root, gated.config, 2);
    try {
      // The helper threads run wasm, so they compute their shares on the kernels too.
      const shared = await pretrain({ ...run, settings: gated, arithmetic: 'kernels', helpers }, hooks());
      shared.trainBits.forEach((bits, i) => expect(bits).toBeCloseTo(onKernels.trainBits[i], 4));
      close(shared.model, onKernels.model, 1e-4);
      shared.model.dispose();
    } finally {
      await Promise.all(helpers.map((helper) => helper.close()));
      [onTfjs, onKernels, resumed].forEach((outcome) => outcome.model.dispose());
    }
  });

  it('reports a helper thread that fails, with its reason', async () => {
    const root = new URL('../..', import.meta.url).pathname;
    await expect(startGradientHelpers(root, { ...tiny, kernelSize: 4 }, 1)).rejects.toThrow(/gradient helper: kernelSize must be odd/);
  });

  it('refuses a checkpoint made with other settings, naming the difference', async () => {
    const h = hooks(2);
    const stopped = await pretrain({ ...run, settings }, h);
    stopped.model.dispose();
    await expect(pretrain({ ...run, settings: { ...settings, batchSize: 4 }, resumeFrom: h.checkpoints[0] }, hooks())).rejects.toThrow(
      /batchSize is 2 in the checkpoint but 4 now/,
    );
  });
});

describe('sharing a batch', () => {
  it('splits it into contiguous shares as even as possible, none empty', () => {
    expect(splitShares(16, 2)).toEqual([
      [0, 8],
      [8, 16],
    ]);
    expect(splitShares(5, 3)).toEqual([
      [0, 2],
      [2, 3],
      [3, 5],
    ]);
    expect(splitShares(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});

describe('the progress line', () => {
  it('shows the bar, step, losses and times', () => {
    const line = formatProgress({ step: 50, steps: 100, trainBits: 1.23456, heldOutBits: 1.1, learningRate: 0.001, elapsedSeconds: 75, secondsLeft: 3700 }, 10);
    expect(line).toBe('[█████░░░░░] step 50/100 · 1.235 bits/dim · held-out 1.100 · lr 1.0e-3 · 1m 15s spent · 1h 01m left');
    expect(formatDuration(42)).toBe('42s');
  });
});
