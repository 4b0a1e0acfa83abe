import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { SampleOptions, SampleResult } from '../model';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { type EarlyGrid, type EarlyGridDeps, likelyFirstVisit, parseBuiltinLabels, prepareEarlyGrid, startPreparedGrid } from './earlyGrid';
import { memoryDatasetStore, memoryModelStore } from './modelStore';
import type { EngineEvent, EngineRequest } from './protocol';
import { recordingEngine } from './testEngine';

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
  classes: 5,
  labelDropout: 0,
};
const sampleOnStart = { count: 12, temperature: 1, seed: 5, delayMs: 0, draw: { kind: 'any' as const } };
const init: EngineRequest = { type: 'init', config: tiny, sampleOnStart };

/** What the worker entry does, in one call: prepareEarlyGrid, then startPreparedGrid for `request`. */
async function startEarlyGrid(request: EngineRequest, deps: EarlyGridDeps): Promise<EarlyGrid | null> {
  if (!likelyFirstVisit(request)) return null;
  const prepared = await prepareEarlyGrid(deps);
  return prepared && startPreparedGrid(request, prepared, deps.emit);
}

/** 40 fake 28×28 "digits", nearly all of class 'c', so a grid drawn in proportion differs from one drawn evenly. */
function fakeDigits(): ImageDataset {
  const labels = Int32Array.from({ length: 40 }, (_, n) => [0, 1, 3, 4][n] ?? 2);
  return {
    width: 28,
    height: 28,
    channels: 1,
    levels: 256,
    count: 40,
    pixels: new Uint8Array(40 * 784).fill(9),
    labels,
    classNames: ['a', 'b', 'c', 'd', 'e'],
  };
}

async function shipped(): Promise<SavedModel> {
  const model = createPixelCNN(tiny, 77);
  const saved = await saveModel(model, { origin: 'pretrained', steps: 1234, card: { title: 'test' } });
  model.dispose();
  return saved;
}

/**
 * A stand-in for fileSampler's sampler: draws level 1 everywhere, one
 * sub-pixel per timer tick so a test can stop it midway, and records the
 * labels it was asked for.
 */
function slowSampler(config: PixelCNNConfig, calls: SampleOptions[]) {
  return async (options: SampleOptions): Promise<SampleResult> => {
    calls.push(options);
    const perImage = config.height * config.width * config.colorChannels;
    const pixels = new Int32Array(options.count * perImage);
    for (let index = 0; index < perImage; index++) {
      if (options.shouldStop?.()) return { pixels, completed: index };
      const values = new Int32Array(options.count).fill(1);
      for (let b = 0; b < options.count; b++) pixels[b * perImage + index] = 1;
      const logits = new Float32Array(options.count * config.levels);
      await options.onSubPixel?.({ row: Math.floor(index / config.width), col: index % config.width, channel: 0, index, values, logits, pixels });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return { pixels, completed: perImage };
  };
}

function earlyDeps(saved: SavedModel, overrides: Partial<EarlyGridDeps> = {}) {
  const events: EngineEvent[] = [];
  const calls: SampleOptions[] = [];
  const digits = fakeDigits();
  const deps: EarlyGridDeps = {
    emit: (event) => events.push(event),
    store: memoryModelStore(),
    datasets: memoryDatasetStore(),
    loadPretrained: async () => saved,
    loadLabels: async () => ({ labels: digits.labels!, classNames: digits.classNames! }),
    fileSampler: (file) => slowSampler(file.config, calls),
    ...overrides,
  };
  return { deps, events, calls };
}

function engineWith(early: EarlyGrid | undefined, saved: SavedModel) {
  return recordingEngine({ loadBuiltinDigits: async () => fakeDigits(), loadPretrained: async () => saved, ...(early ? { earlyGrid: early } : {}) });
}

const sampleStarts = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: 'sampleStart' }> => e.type === 'sampleStart');
const sampleDones = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: 'sampleDone' }> => e.type === 'sampleDone');

describe("a first visit's early grid", () => {
  it('is adopted by the engine as its first grid: one grid, the classes the engine draws, and Stop reaches it', async () => {
    const saved = await shipped();
    const { deps, events: early, calls } = earlyDeps(saved);
    const grid = await startEarlyGrid(init, deps);
    expect(grid).not.toBeNull();
    await grid!.session.firstPixels;
    const order = early.map((e) => e.type);
    expect(order[0]).toBe('sampleStart');
    expect(order).toContain('samplePixels');

    const h = engineWith(grid!, saved);
    await h.engine.handle(init);
    // The engine started no grid of its own: the early one is its first grid.
    expect(h.all('sampleStart')).toHaveLength(0);
    expect(h.all('dataset')).toHaveLength(1);
    expect(calls).toHaveLength(1);

    await h.engine.handle({ type: 'stopSampling' });
    const done = sampleDones(early);
    expect(done).toHaveLength(1);
    expect(done[0].stopped).toBe(true);

    // The inspection views read the adopted grid's images (the stand-in sampler drew level 1 everywhere).
    expect(await h.engine.handle({ type: 'inspect', target: { kind: 'sample', image: 3 }, pixel: { row: 0, col: 0 }, field: false })).toEqual({
      status: 'done',
    });
    const inspection = h.last('inspection')!.inspection;
    expect(inspection.pixels[0]).toBe(1);

    // The same request drawn by the engine itself gives the same classes and captions.
    await h.engine.handle({ type: 'sample', settings: sampleOnStart });
    const [first] = sampleStarts(early);
    const again = h.last('sampleStart')!;
    expect(first.sample.captions).toEqual(again.sample.captions);
    expect(first.sample.count).toBe(again.sample.count);
    await h.engine.handle({ type: 'stopSampling' });
  });

  it("is stopped, and the engine draws its own, when the engine's first grid differs", async () => {
    const saved = await shipped();
    const { deps, events: early } = earlyDeps(saved);
    const grid = await startEarlyGrid(init, deps);
    await grid!.session.firstPixels;
    const h = engineWith(grid!, saved);
    await h.engine.handle({ ...init, sampleOnStart: { ...sampleOnStart, seed: 6 } } as EngineRequest);
    expect(sampleDones(early)[0]?.stopped).toBe(true);
    expect(h.all('sampleStart')).toHaveLength(1);
    await h.engine.handle({ type: 'stopSampling' });
  });

  it('is not adopted once its sampler has failed: the engine draws its own, and no error is shown', async () => {
    const saved = await shipped();
    const { deps, events: early } = earlyDeps(saved, {
      fileSampler: () => async () => {
        throw new Error('no WebAssembly here');
      },
    });
    const grid = await startEarlyGrid(init, deps);
    await grid!.session.firstPixels;
    expect(grid!.failed()).toBe(true);
    expect(sampleDones(early)).toHaveLength(1);
    const h = engineWith(grid!, saved);
    expect(await h.engine.handle(init)).toEqual({ status: 'done' });
    expect(h.all('sampleStart')).toHaveLength(1);
    expect(h.last('error')).toBeUndefined();
    await h.engine.handle({ type: 'stopSampling' });
  });

  it('is stopped when the engine finds a model saved in this browser, which it does not sample unasked', async () => {
    const saved = await shipped();
    const { deps, events: early } = earlyDeps(saved);
    const grid = await startEarlyGrid(init, deps);
    await grid!.session.firstPixels;
    const store = memoryModelStore();
    await store.save({ ...saved, meta: { ...saved.meta, origin: 'restored' } });
    const h = recordingEngine({ store, loadBuiltinDigits: async () => fakeDigits(), loadPretrained: async () => saved, earlyGrid: grid! });
    await h.engine.handle(init);
    expect(h.last('model')!.model.origin).toBe('restored');
    expect(sampleDones(early)[0]?.stopped).toBe(true);
    expect(h.all('sampleStart')).toHaveLength(0);
  });

  it('does not start on anything but a likely first visit, nor for a model the file sampler cannot run', async () => {
    const saved = await shipped();
    expect(likelyFirstVisit(init)).toBe(true);
    const notFirst: EngineRequest[] = [
      { type: 'init', config: tiny, backend: 'wasm', sampleOnStart },
      { type: 'init', config: tiny, remembered: { measuredAt: 1, config: 'x', results: [] } as never, sampleOnStart },
      { type: 'init', config: tiny },
      { type: 'sample', settings: sampleOnStart },
    ];
    for (const request of notFirst) {
      const { deps, events } = earlyDeps(saved);
      expect(await startEarlyGrid(request, deps)).toBeNull();
      expect(events).toHaveLength(0);
    }

    const withSaved = earlyDeps(saved);
    await withSaved.deps.store.save(saved);
    expect(await startEarlyGrid(init, withSaved.deps)).toBeNull();

    const withImages = earlyDeps(saved);
    await withImages.deps.datasets!.save([{ name: 'a/1.png', bytes: new Uint8Array(8) }]);
    expect(await startEarlyGrid(init, withImages.deps)).toBeNull();

    const unsupported = earlyDeps(saved, { fileSampler: () => null });
    expect(await startEarlyGrid(init, unsupported.deps)).toBeNull();

    const noModel = earlyDeps(saved, { loadPretrained: async () => null });
    expect(await startEarlyGrid(init, noModel.deps)).toBeNull();

    const refused = earlyDeps(saved);
    expect(await startEarlyGrid({ ...init, sampleOnStart: { ...sampleOnStart, count: 100_000 } } as EngineRequest, refused.deps)).toBeNull();
    // A class the model does not have (a link's draw=class:42): no early grid; the engine draws the defaults and says why.
    const noSuchClass = earlyDeps(saved);
    expect(
      await startEarlyGrid({ ...init, sampleOnStart: { ...sampleOnStart, draw: { kind: 'class', label: 42 } } } as EngineRequest, noSuchClass.deps),
    ).toBeNull();
    for (const { events } of [withSaved, withImages, unsupported, noModel, refused, noSuchClass]) expect(events).toHaveLength(0);
  });

  it('draws from the remembered built-in set', async () => {
    const saved = await shipped();
    const asked: string[] = [];
    const { deps } = earlyDeps(saved, {
      loadPretrained: async (id) => {
        asked.push(id);
        return saved;
      },
    });
    await deps.datasets!.saveBuiltin!('icons');
    const grid = await startEarlyGrid(init, deps);
    expect(grid?.id).toBe('icons');
    expect(asked).toEqual(['icons']);
    grid!.session.stop();
    await grid!.session.finished;
  });

  it("reads a built-in set's labels from its description, and none from a damaged one", () => {
    expect(parseBuiltinLabels('digits', JSON.stringify({ labels: '0123' }))).toEqual({
      labels: Int32Array.from([0, 1, 2, 3]),
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    });
    expect(parseBuiltinLabels('icons', JSON.stringify({ labels: '101', classNames: ['x', 'y'] }))).toEqual({
      labels: Int32Array.from([1, 0, 1]),
      classNames: ['x', 'y'],
    });
    expect(parseBuiltinLabels('icons', JSON.stringify({ labels: '12', classNames: ['x', 'y'] }))).toBeNull();
    expect(parseBuiltinLabels('digits', '{')).toBeNull();
    expect(parseBuiltinLabels('digits', '{}')).toBeNull();
  });
});
