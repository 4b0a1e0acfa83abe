import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset, InputFile } from '../data/types';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { Engine } from './engine';
import { type DatasetStore, type ModelStore, memoryDatasetStore, memoryModelStore } from './modelStore';
import type { BackendTrial, EngineEvent } from './protocol';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = { height: 4, width: 4, colorChannels: 1, levels: 4, hiddenChannels: 4, layers: 2, kernelSize: 3, headChannels: 0, inputEmbedding: 0 };

/** 40 fake 28×28 "digits": a bright square whose position varies. */
function fakeDigits(): ImageDataset {
  const pixels = new Uint8Array(40 * 784);
  for (let n = 0; n < 40; n++) {
    for (let y = 4 + (n % 5); y < 14 + (n % 5); y++) for (let x = 8; x < 18; x++) pixels[n * 784 + y * 28 + x] = 255;
  }
  return { width: 28, height: 28, channels: 1, levels: 256, count: 40, pixels };
}

/** Decodes the tiny fake format "W,H,gray": anything else is a corrupt image. */
async function fakeDecode(file: InputFile) {
  const text = new TextDecoder().decode(file.bytes as Uint8Array).slice(8);
  const [w, h, gray] = text.split(',').map(Number);
  if (!(w > 0 && h > 0)) throw new Error('corrupt');
  return { width: w, height: h, rgba: new Uint8ClampedArray(w * h * 4).fill(gray) };
}

function pngNamed(name: string, w: number, h: number, gray: number): InputFile {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = new TextEncoder().encode(`${w},${h},${gray}`);
  return { name, bytes: new Uint8Array([...signature, ...body]) };
}

function harness(store: ModelStore = memoryModelStore(), loadPretrained?: () => Promise<SavedModel | null>, datasets: DatasetStore = memoryDatasetStore()) {
  const events: EngineEvent[] = [];
  const engine = new Engine({
    emit: (event) => events.push(event),
    store,
    selectBackend: async () => ({ name: 'cpu', adapter: 'test', software: false, requested: false, unavailable: [] }),
    loadBuiltinDigits: async () => fakeDigits(),
    decode: fakeDecode,
    loadPretrained,
    datasets,
  });
  const last = <T extends EngineEvent['type']>(type: T) =>
    [...events].reverse().find((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  const all = <T extends EngineEvent['type']>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  return { engine, events, last, all, store };
}

describe('the engine', () => {
  it('starts with a model, its masks and the built-in digits at the model size', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    expect(last('ready')?.backend.name).toBe('cpu');
    const model = last('model')!.model;
    expect(model.config).toEqual(tiny);
    expect(model.masks.spatialA).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(model.masks.spatialB).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    const data = last('dataset')!.dataset;
    expect([data.width, data.height, data.levels, data.trainCount + data.testCount]).toEqual([4, 4, 4, 40]);
  });

  it('lets the backend be chosen by timing the model it starts with, passing on remembered figures', async () => {
    const calls: unknown[][] = [];
    const events: EngineEvent[] = [];
    const remembered: BackendTrial = {
      key: 'k',
      config: tiny,
      batch: 4,
      steps: 3,
      figures: [{ name: 'cpu', adapter: 'test', software: false, outcome: 'timed', msPerStep: 5 }],
      chosen: 'cpu',
      totalMs: 10,
      measuredAt: '2025-01-01T00:00:00.000Z',
      source: 'measured',
    };
    const engine = new Engine({
      emit: (event) => events.push(event),
      store: memoryModelStore(),
      selectBackend: async (...args) => {
        calls.push(args);
        return { name: 'cpu', adapter: 'test', software: false, requested: false, unavailable: [], trial: { ...remembered, source: 'remembered' } };
      },
      loadBuiltinDigits: async () => fakeDigits(),
    });
    await engine.handle({ type: 'init', config: tiny, remembered });
    expect(calls).toEqual([[undefined, { config: tiny, remembered }]]);
    const ready = events.find((e): e is Extract<EngineEvent, { type: 'ready' }> => e.type === 'ready');
    expect(ready?.backend.trial?.source).toBe('remembered');
  });

  it('steps, evaluates, saves, and a new engine restores the trained model', async () => {
    const store = memoryModelStore();
    const first = harness(store);
    await first.engine.handle({ type: 'init', config: tiny });
    for (let i = 0; i < 3; i++) await first.engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 4 } });
    expect(first.last('trainStep')?.step).toBe(3);
    expect(first.last('evaluation')?.testBitsPerDim).toBeGreaterThan(0);

    const second = harness(store);
    await second.engine.handle({ type: 'init', config: { ...tiny, hiddenChannels: 8 } });
    const restored = second.last('model')!.model;
    expect(restored.origin).toBe('restored');
    expect(restored.steps).toBe(3);
    expect(restored.config.hiddenChannels).toBe(4);
  });

  it('stops training on a diverging loss, says why, and keeps finite weights', async () => {
    const { engine, last, all } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 4 } });
    await engine.handle({ type: 'train', settings: { learningRate: 1e30, batchSize: 4 } });
    for (let i = 0; i < 200 && !all('training').some((e) => !e.running); i++) await new Promise((r) => setTimeout(r, 20));
    const stopped = last('training')!;
    expect(stopped.running).toBe(false);
    expect(stopped.reason).toMatch(/loss became (NaN|infinite).*last good weights were restored/);
    // Said once, as the reason training stopped, not also as an error.
    expect(last('error')).toBeUndefined();
    // The model still evaluates to a finite loss.
    await engine.handle({ type: 'step', settings: { learningRate: 0.001, batchSize: 4 } });
    expect(Number.isFinite(last('trainStep')!.bitsPerDim)).toBe(true);
  });

  it('exports and re-imports to the same held-out bits/dim; rejects bad files and keeps the model', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 4 } });
    const before = last('evaluation')!.testBitsPerDim;
    await engine.handle({ type: 'exportModel' });
    const exported = last('exported')!;
    expect(exported.fileName).toMatch(/pixelcnn-4x4-1steps\.json/);

    await engine.handle({ type: 'importModel', text: 'hello', fileName: 'notes.txt' });
    expect(last('error')).toEqual({ type: 'error', context: 'import', message: expect.stringMatching(/notes\.txt.*not valid JSON/) });
    const other = JSON.parse(exported.text);
    other.config.hiddenChannels = 8;
    await engine.handle({ type: 'importModel', text: JSON.stringify(other), fileName: 'other.json' });
    expect(last('error')!.message).toMatch(/other\.json.*another architecture/);

    await engine.handle({ type: 'resetModel' });
    await engine.handle({ type: 'importModel', text: exported.text, fileName: exported.fileName });
    expect(last('model')!.model.origin).toBe('imported');
    await engine.handle({ type: 'step', settings: { learningRate: 1e-12, batchSize: 4 } });
    expect(last('evaluation')!.testBitsPerDim).toBeCloseTo(before, 3);
  });

  it('keeps the good files of a mixed drop and names the bad ones', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({
      type: 'importImages',
      files: [
        pngNamed('a/one.png', 10, 6, 200),
        pngNamed('a/two.png', 3, 3, 20),
        pngNamed('broken.png', 0, 0, 0),
        { name: 'notes.txt', bytes: new TextEncoder().encode('hello') },
      ],
    });
    const data = last('dataset')!.dataset;
    expect(data.accepted).toBe(2);
    expect(data.skipped.map((s) => s.name).sort()).toEqual(['broken.png', 'notes.txt']);
    expect(data.trainCount + data.testCount).toBe(2);

    await engine.handle({ type: 'importImages', files: [{ name: 'x.txt', bytes: new Uint8Array([1, 2]) }] });
    expect(last('error')?.context).toBe('dataset');
    expect(last('dataset')!.dataset.trainCount + last('dataset')!.dataset.testCount).toBe(2);
  });

  it('keeps a dropped dataset for the next visit, but not a rejected drop; the built-in digits replace it when chosen', async () => {
    const models = memoryModelStore();
    const datasets = memoryDatasetStore();
    const first = harness(models, undefined, datasets);
    await first.engine.handle({ type: 'init', config: tiny });
    await first.engine.handle({ type: 'importImages', files: [pngNamed('a/one.png', 10, 6, 200), pngNamed('a/two.png', 3, 3, 20), pngNamed('bad.png', 0, 0, 0)] });
    await first.engine.handle({ type: 'importImages', files: [{ name: 'x.txt', bytes: new Uint8Array([1, 2]) }] });

    const second = harness(models, undefined, datasets);
    await second.engine.handle({ type: 'init', config: tiny });
    const restored = second.last('dataset')!.dataset;
    expect(restored).toMatchObject({ name: '2 imported images', accepted: 2, width: 4, height: 4 });
    expect(restored.skipped.map((s) => s.name)).toEqual(['bad.png']);
    expect(second.all('notice')).toHaveLength(0);

    await second.engine.handle({ type: 'useBuiltinDataset' });
    const third = harness(models, undefined, datasets);
    await third.engine.handle({ type: 'init', config: tiny });
    expect(third.last('dataset')!.dataset.name).toBe('MNIST digits (built in)');
  });

  it('falls back to the built-in digits, with a notice, when the kept dataset cannot be read', async () => {
    const unreadable: DatasetStore = {
      load: async () => {
        throw new Error('quota exceeded');
      },
      save: async () => {},
    };
    const { engine, last } = harness(memoryModelStore(), undefined, unreadable);
    await engine.handle({ type: 'init', config: tiny });
    expect(last('dataset')!.dataset.name).toBe('MNIST digits (built in)');
    expect(last('notice')!.message).toMatch(/could not be read back \(quota exceeded\)/);
  });

  it('streams a sample in generation order and keeps the tensor count flat', async () => {
    const { engine, all, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    const settings = { count: 2, temperature: 1, seed: 3, delayMs: 0 };
    const run = async () => {
      await engine.handle({ type: 'sample', settings });
      for (let i = 0; i < 500 && all('sampleDone').length < runs + 1; i++) await new Promise((r) => setTimeout(r, 5));
      runs++;
    };
    let runs = 0;
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    const done = last('sampleDone')!;
    expect(done).toMatchObject({ completed: 16, total: 16, stopped: false });
    const chunks = all('samplePixels').slice(-50);
    const lastRun = chunks.slice(chunks.findLastIndex((c) => c.from === 0));
    expect(lastRun.map((c) => [c.from, c.to]).flat()).toEqual(lastRun.flatMap((c, i) => [i === 0 ? 0 : lastRun[i - 1].to, c.to]));
    expect(lastRun[lastRun.length - 1].to).toBe(16);
  });
});

describe('the pretrained model', () => {
  const card = { title: 'test digits', heldOutBitsPerDim: 1.5 };
  async function shipped(config: PixelCNNConfig = tiny): Promise<SavedModel> {
    const model = createPixelCNN(config, 77);
    const saved = await saveModel(model, { origin: 'pretrained', steps: 1234, card });
    model.dispose();
    return saved;
  }
  const sampleOnStart = { count: 2, temperature: 1, seed: 5, delayMs: 0 };

  it('is where a first visit starts: its card is shown and digits start sampling without a request', async () => {
    const saved = await shipped();
    const { engine, last, all, store } = harness(memoryModelStore(), async () => saved);
    await engine.handle({ type: 'init', config: tiny, sampleOnStart });
    const model = last('model')!.model;
    expect(model).toMatchObject({ origin: 'pretrained', steps: 1234, card });
    expect(all('sampleStart')).toHaveLength(1);
    // Not copied into browser storage: until the user changes something, the shipped file is the source.
    expect(await store.load()).toBeNull();
  });

  it('gives way to a model the user saved, and does not sample it unasked', async () => {
    const store = memoryModelStore();
    const first = harness(store);
    await first.engine.handle({ type: 'init', config: tiny });
    await first.engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 2 } });
    const saved = await shipped();
    const second = harness(store, async () => saved);
    await second.engine.handle({ type: 'init', config: tiny, sampleOnStart });
    expect(second.last('model')!.model).toMatchObject({ origin: 'restored', steps: 1 });
    expect(second.all('sampleStart')).toHaveLength(0);
  });

  it('replaces the architecture an earlier shipped model left remembered, and gives way with a notice when it cannot be read', async () => {
    // With no model saved, the remembered config is an earlier version's shipped model, not the user's.
    const wider = { ...tiny, hiddenChannels: 6, headChannels: 4 };
    const other = harness(memoryModelStore(), async () => shipped(wider));
    await other.engine.handle({ type: 'init', config: tiny, sampleOnStart });
    expect(other.last('model')!.model).toMatchObject({ origin: 'pretrained', config: wider });

    const broken = harness(memoryModelStore(), async () => {
      throw new Error('unexpected end of JSON');
    });
    await broken.engine.handle({ type: 'init', config: tiny, sampleOnStart });
    expect(broken.last('model')!.model.origin).toBe('new');
    expect(broken.last('notice')!.message).toMatch(/pretrained model could not be loaded \(unexpected end of JSON\)/);
    expect(broken.all('sampleStart')).toHaveLength(0);
  });
});
