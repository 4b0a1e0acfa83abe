import { beforeAll, describe, expect, it } from 'vitest';
import type { BuiltinDatasetId } from '../data/builtin';
import type { ImageDataset } from '../data/types';
import type { PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { memoryCheckpointStorage } from './checkpoints';
import { type DatasetStore, type ModelStore, memoryDatasetStore, memoryModelStore, readRememberedBuiltin } from './modelStore';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

/** Stand-ins for the two built-in sets at small sizes: gray "digits" and RGB "icons", each with a shipped model of its size. */
const digitsConfig: PixelCNNConfig = {
  height: 4,
  width: 4,
  colorChannels: 1,
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
const iconsConfig: PixelCNNConfig = { ...digitsConfig, colorChannels: 3 };

function images(channels: 1 | 3, count = 20): ImageDataset {
  const size = 4 * 4 * channels;
  const pixels = Uint8Array.from({ length: count * size }, (_, i) => ((i * 37) % 5) * 60);
  return { width: 4, height: 4, channels, levels: 256, count, pixels };
}

async function shipped(config: PixelCNNConfig, steps: number): Promise<SavedModel> {
  const model = createPixelCNN(config, 3);
  try {
    return await saveModel(model, { origin: 'pretrained', steps, card: { title: 'test', steps } });
  } finally {
    model.dispose();
  }
}

function engineWith(store: ModelStore, datasets: DatasetStore, checkpoints = memoryCheckpointStorage()) {
  return recordingEngine({
    store,
    datasets,
    checkpoints,
    loadBuiltinDigits: async () => images(1),
    loadBuiltin: async () => images(3),
    loadPretrained: async (id: BuiltinDatasetId = 'digits') => (id === 'icons' ? shipped(iconsConfig, 30) : shipped(digitsConfig, 20)),
  });
}

describe('choosing a built-in dataset', () => {
  it('with its model: installs the shipped model, keeps a model trained here in the history, and is remembered', async () => {
    const store = memoryModelStore();
    const datasets = memoryDatasetStore();
    const checkpoints = memoryCheckpointStorage();
    const { engine, last } = engineWith(store, datasets, checkpoints);
    await engine.handle({ type: 'init', config: digitsConfig });
    expect(last('model')!.model).toMatchObject({ origin: 'pretrained', steps: 20 });
    await engine.handle({ type: 'step', settings: { learningRate: 0.01, batchSize: 4 } });

    expect(await engine.handle({ type: 'useBuiltinDataset', id: 'icons', withModel: true })).toEqual({ status: 'done' });
    expect(last('model')!.model).toMatchObject({ origin: 'pretrained', steps: 30, config: iconsConfig });
    expect(last('dataset')!.dataset).toMatchObject({ builtin: 'icons', channels: 3, name: 'Colour icons (built in)' });
    // The digits model trained here one step further is kept, not lost.
    expect(last('checkpoints')!.list.entries.some((c) => c.steps === 21)).toBe(true);
    expect(await datasets.loadBuiltin!()).toBe('icons');

    // A reload comes back to the icons and their model.
    const again = engineWith(store, datasets, checkpoints);
    await again.engine.handle({ type: 'init', config: digitsConfig });
    expect(again.last('model')!.model).toMatchObject({ steps: 30, config: iconsConfig });
    expect(again.last('dataset')!.dataset).toMatchObject({ builtin: 'icons', channels: 3 });
  });

  it('without its model: fits the images to the current model', async () => {
    const { engine, last } = engineWith(memoryModelStore(), memoryDatasetStore());
    await engine.handle({ type: 'init', config: digitsConfig });
    await engine.handle({ type: 'useBuiltinDataset', id: 'icons' });
    expect(last('model')!.model.config).toEqual(digitsConfig);
    expect(last('dataset')!.dataset).toMatchObject({ builtin: 'icons', channels: 1, width: 4 });
  });

  it('refuses a name it does not know, saying which there are', async () => {
    const { engine, last } = engineWith(memoryModelStore(), memoryDatasetStore());
    await engine.handle({ type: 'init', config: digitsConfig });
    expect(await engine.handle({ type: 'useBuiltinDataset', id: 'cats' as BuiltinDatasetId, withModel: true })).toMatchObject({
      status: 'failed',
      context: 'dataset',
      message: expect.stringContaining('no built-in dataset called "cats"; there are digits and icons'),
    });
    expect(last('dataset')!.dataset.builtin).toBe('digits');
  });

  it("with its model and the page's class choice: a class the new model lacks is named and any class drawn; the switch is still kept", async () => {
    // Conditioned stand-ins: the digits model has 5 classes, the icons model 3.
    const conditioned = (config: PixelCNNConfig, classes: number) => ({ ...config, classes, labelDropout: 0.1 });
    const datasets = memoryDatasetStore();
    const { engine, last, all } = recordingEngine({
      store: memoryModelStore(),
      datasets,
      checkpoints: memoryCheckpointStorage(),
      loadBuiltinDigits: async () => images(1),
      loadBuiltin: async () => images(3),
      loadPretrained: async (id: BuiltinDatasetId = 'digits') =>
        id === 'icons' ? shipped(conditioned(iconsConfig, 3), 30) : shipped(conditioned(digitsConfig, 5), 20),
    });
    await engine.handle({ type: 'init', config: digitsConfig });
    const sample = { count: 2, temperature: 1, seed: 5, delayMs: 0, draw: { kind: 'class' as const, label: 4 } };
    expect(await engine.handle({ type: 'useBuiltinDataset', id: 'icons', withModel: true, sample })).toEqual({ status: 'done' });
    expect(last('model')!.model.config.classes).toBe(3);
    expect(all('notice').map((n) => n.message)).toContain('Draw “class:4” is not a class of this model, which has 3 (0 to 2); any class is drawn instead.');
    expect(last('sampleStart')!.sample.count).toBe(2);
    // The switch is remembered for the next visit, as any other.
    expect(await datasets.loadBuiltin!()).toBe('icons');
  });

  it('a remembered built-in set that is none (storage edited, or an older version) is named once, and the digits are used', async () => {
    for (const stored of ['cats', 42, { id: 'icons' }, '__proto__']) {
      const datasets: DatasetStore = { ...memoryDatasetStore(), loadBuiltin: async () => stored };
      const { engine, last, all } = engineWith(memoryModelStore(), datasets);
      await engine.handle({ type: 'init', config: digitsConfig });
      expect(last('dataset')!.dataset.builtin).toBe('digits');
      const said = all('notice').filter((n) => n.message.startsWith('The remembered built-in dataset'));
      expect(said.map((n) => n.message)).toEqual([
        `The remembered built-in dataset “${typeof stored === 'object' ? JSON.stringify(stored) : stored}” is not one of digits or icons; the built-in digits are used instead.`,
      ]);
    }
    expect(readRememberedBuiltin('icons')).toEqual({ id: 'icons', notice: null });
    expect(readRememberedBuiltin(null)).toEqual({ id: null, notice: null });
  });
});
