import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset, InputFile } from '../data/types';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { Engine, type EngineDeps } from './engine';
import { recordingEngine } from './testEngine';
import { type DatasetStore, type ModelStore, memoryDatasetStore, memoryModelStore } from './modelStore';
import type { BackendTrial, EngineEvent } from './protocol';

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

/** 40 fake 28×28 "digits": a bright square whose position varies, labelled 0–4 by that position. */
function fakeDigits(): ImageDataset {
  const pixels = new Uint8Array(40 * 784);
  for (let n = 0; n < 40; n++) {
    for (let y = 4 + (n % 5); y < 14 + (n % 5); y++) for (let x = 8; x < 18; x++) pixels[n * 784 + y * 28 + x] = 255;
  }
  const labels = Int32Array.from({ length: 40 }, (_, n) => n % 5);
  return { width: 28, height: 28, channels: 1, levels: 256, count: 40, pixels, labels, classNames: ['a', 'b', 'c', 'd', 'e'] };
}

/** tiny, conditioned on `classes` classes. */
const conditional = (classes: number): PixelCNNConfig => ({ ...tiny, classes });

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

function harness(
  store: ModelStore = memoryModelStore(),
  loadPretrained?: () => Promise<SavedModel | null>,
  datasets: DatasetStore = memoryDatasetStore(),
  more: Partial<EngineDeps> = {},
) {
  return recordingEngine({ store, loadBuiltinDigits: async () => fakeDigits(), decode: fakeDecode, loadPretrained, datasets, ...more });
}

describe('the engine', () => {
  it('starts with a model, its masks and the built-in digits at the model size', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    expect(last('ready')?.backend.name).toBe('cpu');
    const model = last('model')!.model;
    expect(model.config).toEqual(tiny);
    expect(model.masks.causal.a.spatial).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(model.masks.causal.b.spatial).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(model.masks.stacks).toBeUndefined();
    expect(model.classNames).toEqual([]);
    const data = last('dataset')!.dataset;
    expect([data.width, data.height, data.levels, data.trainCount + data.testCount]).toEqual([4, 4, 4, 40]);
    expect(data.classes?.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(data.classes!.reduce((n, c) => n + c.train + c.test, 0)).toBe(40);
    expect(data.unlabelledReason).toBeNull();
  });

  it("pictures a Gated PixelCNN's vertical and horizontal stacks beside the PixelCNN's masks", async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: { ...tiny, architecture: 'gated', firstKernelSize: 5 } });
    const masks = last('model')!.model.masks;
    expect(masks.architecture).toBe('gated');
    const flags = (k: number, open: (r: number, c: number) => boolean) => Array.from({ length: k * k }, (_, i) => (open(Math.floor(i / k), i % k) ? 1 : 0));
    // The first layers are 5×5 (centre 2), later layers 3×3 (centre 1).
    expect(masks.stacks!.vertical.a).toMatchObject({ kernelSize: 5, spatial: flags(5, (r) => r < 2) });
    expect(masks.stacks!.vertical.b).toMatchObject({ kernelSize: 3, spatial: flags(3, (r) => r <= 1) });
    expect(masks.stacks!.horizontal.a).toMatchObject({ kernelSize: 5, spatial: flags(5, (r, c) => r === 2 && c < 2) });
    expect(masks.stacks!.horizontal.b).toMatchObject({ kernelSize: 3, spatial: flags(3, (r, c) => r === 1 && c <= 1) });
    expect(masks.causal.a).toMatchObject({ kernelSize: 5, spatial: flags(5, (r, c) => r < 2 || (r === 2 && c < 2)) });
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
    await engine.handle({ type: 'train', settings: { learningRate: 10, batchSize: 4 } });
    for (let i = 0; i < 200 && !all('training').some((e) => !e.running); i++) await new Promise((r) => setTimeout(r, 20));
    const stopped = last('training')!;
    expect(stopped.running).toBe(false);
    expect(stopped.reason).toMatch(/loss (became (NaN|infinite)|exploded).*went back to its best checkpoint/);
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

    expect(await engine.handle({ type: 'importModel', text: 'hello', fileName: 'notes.txt' })).toEqual({
      status: 'failed',
      context: 'import',
      message: expect.stringMatching(/notes\.txt.*not valid JSON/),
    });
    const other = JSON.parse(exported.text);
    other.config.hiddenChannels = 8;
    expect(await engine.handle({ type: 'importModel', text: JSON.stringify(other), fileName: 'other.json' })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^Could not import “other\.json”: .* Nothing was changed\.$/),
    });

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

    expect(await engine.handle({ type: 'importImages', files: [{ name: 'x.txt', bytes: new Uint8Array([1, 2]) }] })).toMatchObject({
      status: 'failed',
      context: 'dataset',
    });
    expect(last('dataset')!.dataset.trainCount + last('dataset')!.dataset.testCount).toBe(2);
  });

  it('keeps a dropped dataset for the next visit, but not a rejected drop; the built-in digits replace it when chosen', async () => {
    const models = memoryModelStore();
    const datasets = memoryDatasetStore();
    const first = harness(models, undefined, datasets);
    await first.engine.handle({ type: 'init', config: tiny });
    await first.engine.handle({
      type: 'importImages',
      files: [pngNamed('a/one.png', 10, 6, 200), pngNamed('a/two.png', 3, 3, 20), pngNamed('bad.png', 0, 0, 0)],
    });
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
    const settings = { count: 2, temperature: 1, seed: 3, delayMs: 0, draw: { kind: 'any' as const } };
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

  it('completes a drawing: keeps its first rows in every image, side by side, and names a drawing that does not fit', async () => {
    const { engine, all, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    const image = Uint8Array.from({ length: 16 }, (_, i) => i % 4);
    const settings = { count: 3, temperature: 1, seed: 5, delayMs: 0, draw: { kind: 'any' as const } };
    await engine.handle({ type: 'completeDrawing', image, keepRows: 2, settings });
    for (let i = 0; i < 500 && all('sampleDone').length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    const start = last('sampleStart')!.sample;
    expect(start).toMatchObject({ count: 3, prefixLength: 8, columns: 3 });
    for (let b = 0; b < 3; b++) expect(Array.from(start.initial.subarray(b * 16, b * 16 + 8))).toEqual(Array.from(image.subarray(0, 8)));
    expect(last('sampleDone')).toMatchObject({ completed: 16, total: 16, stopped: false });
    // Streaming starts at the first free sub-pixel.
    expect(all('samplePixels')[0].from).toBe(8);

    const refusal = (message: string) => ({ status: 'failed', context: 'sampling', message });
    expect(await engine.handle({ type: 'completeDrawing', image: new Uint8Array(15), keepRows: 2, settings })).toEqual(
      refusal('The drawing must be 4×4 grayscale (16 values) to match the model; got 15 values.'),
    );
    expect(await engine.handle({ type: 'completeDrawing', image: new Uint8Array(16).fill(4), keepRows: 2, settings })).toEqual(
      refusal('The drawing has level 4 at value 0; this model has levels 0 to 3.'),
    );
    expect(await engine.handle({ type: 'completeDrawing', image, keepRows: 5, settings })).toEqual(
      refusal('Rows to keep must be a whole number from 0 to 4, got 5.'),
    );
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
  const sampleOnStart = { count: 2, temperature: 1, seed: 5, delayMs: 0, draw: { kind: 'any' as const } };

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

  it("fits a link's class choice the model cannot draw, naming it, and keeps the link's other settings for the first grid", async () => {
    const saved = await shipped(conditional(5));
    const { engine, all, last } = harness(memoryModelStore(), async () => saved);
    // 5 classes × 13 = 65 images, one more than a run draws; class 7 is not one of the 5.
    for (const [draw, said, columns] of [
      [{ kind: 'rows', perClass: 13 }, 'Draw “rows:13” would draw 5 × 13 = 65 images, more than the 64 one run can draw; 12 per class are drawn instead.', 12],
      [{ kind: 'class', label: 7 }, 'Draw “class:7” is not a class of this model, which has 5 (0 to 4); any class is drawn instead.', null],
    ] as const) {
      await engine.handle({ type: 'init', config: tiny, sampleOnStart: { ...sampleOnStart, count: 3, seed: 9, draw } });
      expect(last('notice')!.message).toBe(said);
      expect(all('notice').some((n) => /default settings/.test(n.message))).toBe(false);
      expect(last('sampleStart')!.sample).toMatchObject({ columns });
      if (columns === null) expect(last('sampleStart')!.sample.count).toBe(3);
    }
  });

  it("sends a first visit's first pixels before the dataset, drawing the classes as often as the data has them", async () => {
    const saved = await shipped(conditional(5));
    // Nearly every image is of class 'c': drawn in proportion, a grid is mostly c; drawn evenly, it would not be.
    const skewed = () => ({ ...fakeDigits(), labels: Int32Array.from({ length: 40 }, (_, n) => [0, 1, 3, 4][n] ?? 2) });
    const { engine, events, all } = harness(memoryModelStore(), async () => saved, memoryDatasetStore(), { loadBuiltinDigits: async () => skewed() });
    const settings = { ...sampleOnStart, count: 12 };
    await engine.handle({ type: 'init', config: tiny, sampleOnStart: settings });
    const order = events.map((e) => e.type);
    expect(order.indexOf('samplePixels')).toBeGreaterThan(order.indexOf('sampleStart'));
    expect(order.indexOf('samplePixels')).toBeLessThan(order.indexOf('dataset'));
    expect(all('dataset')).toHaveLength(1);
    // The same classes as the same request once the dataset is announced.
    await engine.handle({ type: 'sample', settings });
    const [first, again] = all('sampleStart');
    expect(first.sample.captions).toEqual(again.sample.captions);
    const captions = first.sample.captions!;
    const mostCommon = Math.max(...captions.map((c) => captions.filter((d) => d === c).length));
    expect(mostCommon, captions.join(' ')).toBeGreaterThan(6);
  });
});

describe('a conditional model', () => {
  const train = { learningRate: 0.01, batchSize: 4 };
  const draws = { count: 3, temperature: 1, seed: 9, delayMs: 0 };

  /** A sampler that records the labels it was asked for and draws nothing. */
  function recordingSampler() {
    const calls: Array<{ count: number; labels?: Int32Array }> = [];
    const sampler: EngineDeps['sampler'] = async (model, options) => {
      calls.push({ count: options.count, labels: options.labels });
      const { height, width, colorChannels } = model.config;
      return { pixels: new Int32Array(options.count * height * width * colorChannels), completed: height * width * colorChannels };
    };
    return { calls, sampler };
  }

  async function drawn(h: ReturnType<typeof harness>, calls: unknown[]) {
    for (let i = 0; i < 200 && h.all('sampleDone').length < calls.length; i++) await new Promise((r) => setTimeout(r, 5));
    return h.last('sampleStart')!.sample;
  }

  it("takes the dataset's class names, trains and scores with labels, and keeps the names with its weights", async () => {
    const store = memoryModelStore();
    const first = harness(store);
    await first.engine.handle({ type: 'init', config: conditional(5) });
    expect(first.last('model')!.model.classNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await first.engine.handle({ type: 'step', settings: train })).toEqual({ status: 'done' });
    expect(first.last('trainStep')!.step).toBe(1);
    expect(first.last('evaluation')!.testBitsPerDim).toBeGreaterThan(0);
    expect((await store.load())!.meta.classNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    await first.engine.handle({ type: 'exportModel' });
    expect(JSON.parse(first.last('exported')!.text).meta.classNames).toEqual(['a', 'b', 'c', 'd', 'e']);

    const second = harness(store);
    await second.engine.handle({ type: 'init', config: tiny });
    expect(second.last('model')!.model).toMatchObject({ origin: 'restored', classNames: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('refuses to train on data whose classes do not fit, saying what to do', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: conditional(3) });
    expect(h.last('model')!.model.classNames).toEqual(['class 1', 'class 2', 'class 3']);
    expect(await h.engine.handle({ type: 'step', settings: train })).toEqual({
      status: 'failed',
      context: 'training',
      message:
        'This model is conditioned on 3 classes, but the dataset has 5 (a, b, c, d and e). ' +
        'Rebuild the model for 5 classes in the Model panel, or use a dataset with 3 classes.',
    });
    expect(h.last('trainStep')).toBeUndefined();

    await h.engine.handle({ type: 'importImages', files: [pngNamed('one.png', 4, 4, 200), pngNamed('two.png', 4, 4, 20)] });
    const data = h.last('dataset')!.dataset;
    expect(data.classes).toBeNull();
    expect(data.unlabelledReason).toMatch(/^The images are not in folders/);
    expect(await h.engine.handle({ type: 'train', settings: train })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(
        /^This model is conditioned on 3 classes, so it needs images with classes, but this dataset has none \(The images are not in folders/,
      ),
    });
    expect(h.all('training')).toHaveLength(0);
  });

  it('takes dropped folders as classes, and keeps them across a visit', async () => {
    const datasets = memoryDatasetStore();
    const models = memoryModelStore();
    const first = harness(models, undefined, datasets);
    await first.engine.handle({ type: 'init', config: conditional(2) });
    const files = [pngNamed('pets/dogs/1.png', 4, 4, 200), pngNamed('pets/cats/1.png', 4, 4, 20), pngNamed('pets/cats/2.png', 4, 4, 30)];
    await first.engine.handle({ type: 'importImages', files });
    const data = first.last('dataset')!.dataset;
    expect(data.classes!.map((c) => [c.name, c.train + c.test])).toEqual([
      ['cats', 2],
      ['dogs', 1],
    ]);
    expect(first.last('model')!.model.classNames).toEqual(['cats', 'dogs']);
    expect(await first.engine.handle({ type: 'step', settings: train })).toEqual({ status: 'done' });

    const second = harness(models, undefined, datasets);
    await second.engine.handle({ type: 'init', config: tiny });
    expect(second.last('dataset')!.dataset.classes!.map((c) => c.name)).toEqual(['cats', 'dogs']);
  });

  it('draws one class, one row per class, or any class in proportion to the training data', async () => {
    const { calls, sampler } = recordingSampler();
    const h = harness(memoryModelStore(), undefined, memoryDatasetStore(), { sampler });
    await h.engine.handle({ type: 'init', config: conditional(5) });

    await h.engine.handle({ type: 'sample', settings: { ...draws, draw: { kind: 'class', label: 2 } } });
    let start = await drawn(h, calls);
    expect(Array.from(calls[0].labels!)).toEqual([2, 2, 2]);
    expect(start).toMatchObject({ count: 3, columns: null, captions: ['c', 'c', 'c'] });

    await h.engine.handle({ type: 'sample', settings: { ...draws, draw: { kind: 'rows', perClass: 2 } } });
    start = await drawn(h, calls);
    expect(calls[1].count).toBe(10);
    expect(Array.from(calls[1].labels!)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(start).toMatchObject({ count: 10, columns: 2, captions: ['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd', 'e', 'e'] });

    const many = { ...draws, count: 64, draw: { kind: 'any' as const } };
    await h.engine.handle({ type: 'sample', settings: many });
    await drawn(h, calls);
    await h.engine.handle({ type: 'sample', settings: many });
    await drawn(h, calls);
    expect(calls[2].labels).toEqual(calls[3].labels);
    expect(new Set(calls[2].labels).size).toBe(5);

    expect(await h.engine.handle({ type: 'sample', settings: { ...draws, draw: { kind: 'rows', perClass: 13 } } })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/draws 5 × 13 = 65 images, more than the 64 one run can draw; ask for at most 12 per class/),
    });
    expect(await h.engine.handle({ type: 'sample', settings: { ...draws, draw: { kind: 'class', label: 5 } } })).toMatchObject({
      status: 'failed',
      message: "Pick a class from the model's 5; got class number 5.",
    });
  });

  it('completes a held-out image as its own class, and an unconditional model as before', async () => {
    const { calls, sampler } = recordingSampler();
    const h = harness(memoryModelStore(), undefined, memoryDatasetStore(), { sampler });
    await h.engine.handle({ type: 'init', config: conditional(5) });
    await h.engine.handle({ type: 'complete', testIndex: 1, settings: { ...draws, draw: { kind: 'any' } } });
    const start = await drawn(h, calls);
    const own = calls[0].labels![0];
    expect(Array.from(calls[0].labels!)).toEqual([own, own, own]);
    expect(start.captions).toEqual(Array(3).fill('abcde'[own]));
    expect(start.prefixLength).toBe(8);

    await h.engine.handle({ type: 'setConfig', config: tiny });
    await h.engine.handle({ type: 'sample', settings: { ...draws, draw: { kind: 'class', label: 2 } } });
    const plain = await drawn(h, calls);
    expect(calls[1].labels).toBeUndefined();
    expect(plain).toMatchObject({ count: 3, captions: null, columns: null });
  });
});
