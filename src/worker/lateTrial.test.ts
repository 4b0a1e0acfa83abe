import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { Engine } from './engine';
import { memoryDatasetStore, memoryModelStore } from './modelStore';
import type { BackendInfo, BackendName, BackendTrial, EngineEvent } from './protocol';

/**
 * A first visit draws before any backend is timed: the engine starts on the
 * backend selectBackend gives without a trial (trialPending), samples the
 * shipped model, and only then times the backends; it moves to the fastest
 * when the user trains.
 */
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
const sampleOnStart = { count: 2, temperature: 1, seed: 5, delayMs: 0, draw: { kind: 'any' as const } };
const train = { learningRate: 0.01, batchSize: 2 };

function digits(): ImageDataset {
  const pixels = new Uint8Array(20 * 784);
  for (let n = 0; n < 20; n++) for (let i = 0; i < 784; i += 7 + (n % 3)) pixels[n * 784 + i] = 255;
  return { width: 28, height: 28, channels: 1, levels: 256, count: 20, pixels };
}

async function shipped(): Promise<SavedModel> {
  const model = createPixelCNN(tiny, 77);
  const saved = await saveModel(model, { origin: 'pretrained', steps: 10, card: {} });
  model.dispose();
  return saved;
}

const started: BackendInfo = { name: 'cpu', adapter: 'test', software: false, requested: false, unavailable: [], trialPending: 'later' };

function trialChoosing(chosen: BackendName): BackendTrial {
  return {
    key: 'k',
    config: tiny,
    batch: 4,
    steps: 3,
    figures: [{ name: chosen, adapter: 'test', software: false, outcome: 'timed', msPerStep: 5 }],
    chosen,
    totalMs: 10,
    measuredAt: new Date(0).toISOString(),
    source: 'measured',
  };
}

/** An engine whose trial is recorded, in order with everything it emits. */
function harness(chosen: BackendName, start: BackendInfo = started, deviceLost?: () => Promise<string> | null) {
  const log: string[] = [];
  const events: EngineEvent[] = [];
  let timed!: () => void;
  const trialTimed = new Promise<void>((resolve) => (timed = resolve));
  const engine = new Engine({
    emit: (event) => {
      events.push(event);
      log.push(event.type === 'backend' ? `backend:${event.backend.trialPending ?? (event.backend.trial ? 'figures' : 'none')}` : event.type);
    },
    store: memoryModelStore(),
    datasets: memoryDatasetStore(),
    selectBackend: async () => start,
    loadBuiltinDigits: async () => digits(),
    loadPretrained: shipped,
    deviceLost,
    lateTrial: {
      time: async (config) => {
        log.push(`time ${config.height}×${config.width}`);
        const trial = trialChoosing(chosen);
        setTimeout(timed, 0);
        return trial;
      },
      adopt: async (trial) => {
        log.push(`adopt ${trial.chosen}`);
        return { name: trial.chosen, adapter: 'test', software: false, requested: false, unavailable: [], trial };
      },
    },
  });
  return { engine, events, log, trialTimed };
}

describe('a first visit', () => {
  it('draws its first grid before the backends are timed, then shows their figures', async () => {
    const { engine, log, trialTimed } = harness('cpu');
    await engine.handle({ type: 'init', config: tiny, sampleOnStart });
    await trialTimed;
    const firstPixels = log.indexOf('samplePixels');
    const timing = log.indexOf('time 4×4');
    expect(log.indexOf('ready')).toBeLessThan(firstPixels);
    expect(firstPixels).toBeGreaterThan(-1);
    // The trial begins only once the grid is done, and says so before it measures.
    expect(timing).toBeGreaterThan(log.indexOf('sampleDone'));
    expect(log.indexOf('backend:running')).toBeLessThan(timing);
    expect(log.slice(timing)).toContain('backend:figures');
    // Nothing moves until the user trains.
    expect(log.some((line) => line.startsWith('adopt'))).toBe(false);
  });

  it('moves to the fastest backend when the user first trains, once', async () => {
    const { engine, events, log, trialTimed } = harness('webgpu');
    await engine.handle({ type: 'init', config: tiny, sampleOnStart });
    await trialTimed;
    await engine.handle({ type: 'step', settings: train });
    await engine.handle({ type: 'step', settings: train });
    expect(log.filter((line) => line === 'adopt webgpu')).toHaveLength(1);
    expect(log.indexOf('adopt webgpu')).toBeLessThan(log.indexOf('trainStep'));
    const last = events.filter((e): e is Extract<EngineEvent, { type: 'backend' }> => e.type === 'backend').at(-1)!;
    expect(last.backend).toMatchObject({ name: 'webgpu', trial: { chosen: 'webgpu' } });
    expect(last.backend.trialPending).toBeUndefined();
  });

  it('watches a GPU it moved to for a lost device, as a start on it would be', async () => {
    let lose!: (message: string) => void;
    const lost = new Promise<string>((resolve) => (lose = resolve));
    const watching: string[] = [];
    const { engine, events, trialTimed } = harness('webgpu', started, () => {
      watching.push('watch');
      return watching.length === 2 ? lost : null;
    });
    await engine.handle({ type: 'init', config: tiny, sampleOnStart });
    await trialTimed;
    expect(watching).toHaveLength(1);
    await engine.handle({ type: 'step', settings: train });
    expect(watching).toHaveLength(2);
    lose('The GPU device was lost (destroyed): test');
    await lost;
    await Promise.resolve();
    // A lost device leaves the engine dead: the page is told to start a new one.
    const fatal = events.filter((e): e is Extract<EngineEvent, { type: 'fatal' }> => e.type === 'fatal').at(-1);
    expect(fatal?.message).toBe('the graphics device stopped responding (The GPU device was lost (destroyed): test)');
  });

  it('times the backends first when the user trains before the first grid is done', async () => {
    const { engine, log } = harness('cpu');
    // No sampling at start: the trial is left to run at once in the background, and the step waits for it.
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'step', settings: train });
    expect(log.filter((line) => line.startsWith('time'))).toHaveLength(1);
    expect(log.indexOf('adopt cpu')).toBeLessThan(log.indexOf('trainStep'));
  });

  it('never times anything when the start needed no trial (a pinned or remembered backend)', async () => {
    const { engine, log } = harness('cpu', { ...started, trialPending: undefined });
    await engine.handle({ type: 'init', config: tiny, sampleOnStart });
    await engine.handle({ type: 'step', settings: train });
    expect(log.some((line) => line.startsWith('time') || line.startsWith('adopt'))).toBe(false);
  });
});
