import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../../model/config';
import type { ImageDataset } from '../../data/types';
import { useCpuBackend } from '../../test/tfSetup';
import { recordingEngine, testBackend } from '../testEngine';
import type { ChannelHelper } from './channelHelper';
import { channelHelper } from './testHelpers';

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

function digits(): ImageDataset {
  const pixels = new Uint8Array(20 * 784);
  for (let n = 0; n < 20; n++) for (let i = 0; i < 784; i += 3 + (n % 4)) pixels[n * 784 + i] = 255;
  return { width: 28, height: 28, channels: 1, levels: 256, count: 20, pixels };
}

/** An engine whose helpers live in this process (testHelpers.ts); the CPU backend stands in for wasm. */
function harness(dieOnShare: (index: number) => number = () => Infinity) {
  const backends = ['cpu'];
  const started: ChannelHelper[] = [];
  const { engine, events, all } = recordingEngine({
    selectBackend: testBackend('wasm'),
    loadBuiltinDigits: async () => digits(),
    trainingHelpers: {
      start: (index) => {
        const { helper } = channelHelper(index, dieOnShare(index));
        started.push(helper);
        return helper;
      },
      cores: 3,
      backends,
    },
  });
  const cores = () => all('trainingCores').map((e) => e.cores);
  const close = () => Promise.all(started.map((h) => h.close()));
  return { engine, events, all, cores, started, close, backends };
}

describe('the engine with training helpers', () => {
  it('says how many cores train, uses every core by default, and follows the Cores setting', async () => {
    const { engine, all, cores, started, close } = harness();
    await engine.handle({ type: 'init', config: tiny });
    expect(cores()).toEqual([3]);
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6 } });
    expect(started.length).toBe(2);
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6, workers: 2 } });
    expect(cores()).toEqual([3, 2]);
    const steps = all('trainStep').map((e) => e.step);
    expect(steps).toEqual([1, 2]);
    expect(await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6, workers: 0 } })).toMatchObject({
      status: 'failed',
      context: 'training',
      message: expect.stringMatching(/cores must be a whole number from 1 to 32, got 0\./i),
    });
    await close();
  });

  it('reports a helper that dies while training, and carries on with fewer cores', async () => {
    const { engine, events, all, cores, close } = harness((index) => (index === 2 ? 2 : Infinity));
    await engine.handle({ type: 'init', config: tiny });
    for (let i = 0; i < 3; i++) await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6 } });
    expect(cores()).toEqual([3, 2]);
    const notices = all('notice').map((e) => e.message);
    expect(notices).toContain('A training helper stopped (training helper 2 stopped: its channel closed). Training carries on with 2 cores.');
    expect(events.filter((e) => e.type === 'trainStep')).toHaveLength(3);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    await close();
  });

  it('trains alone once the engine is on a backend that does not share batches, and lets its helpers go', async () => {
    const { engine, cores, started, backends, close } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6 } });
    // As when the engine moves to WebGPU or WebGL.
    backends.length = 0;
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 6 } });
    expect(cores()).toEqual([3, 1]);
    expect(started.map((helper) => helper.failed?.message)).toEqual(['training helper 1 was closed', 'training helper 2 was closed']);
    await close();
  });
});
