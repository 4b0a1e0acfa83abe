/**
 * A model file's meta read against its schema (modelMeta.ts, card.ts): what
 * is missing or of the wrong kind is dropped with a notice naming it, the
 * rest is used, and nothing throws: on import, on restoring the saved model,
 * on going back to a checkpoint.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { memoryModelStore } from './modelStore';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  ...DEFAULT_CONFIG,
  architecture: 'pixelcnn',
  height: 4,
  width: 4,
  levels: 4,
  hiddenChannels: 4,
  layers: 1,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  classes: 0,
};
const digits: ImageDataset = { width: 28, height: 28, channels: 1, levels: 256, count: 10, pixels: new Uint8Array(7840) };

/** The card of issue 25: the shipped card's shape with learningRate, dataset and split.heldOutImages missing. */
const brokenCard = {
  title: 'Digits',
  config: tiny,
  seed: 1,
  steps: 3,
  batchSize: 16,
  split: { testFraction: 0.1, seed: 2, trainImages: 10 },
  trainBitsPerDim: 0.9,
  trainBitsImages: 10,
  heldOutBitsPerDim: 0.91,
  trainedAt: '2026-11-30T00:00:00Z',
  commit: 'abc',
  backend: 'wasm',
  wallTimeSeconds: 60,
};

async function fileWith(meta: Record<string, unknown>) {
  const model = createPixelCNN(tiny, 1);
  const saved = await saveModel(model, {});
  model.dispose();
  return { ...saved, meta };
}

describe('a model file whose meta has fields missing or of the wrong kind', () => {
  it('is imported with the rest, and a notice names each dropped field of the card and of the meta', async () => {
    const h = recordingEngine({ loadBuiltinDigits: async () => digits });
    await h.engine.handle({ type: 'init', config: tiny });
    const text = JSON.stringify(await fileWith({ steps: 3, guidance: 'lots', card: brokenCard }));
    expect(await h.engine.handle({ type: 'importModel', text, fileName: 'broken.json' })).toEqual({ status: 'done' });
    const notices = h.all('notice').map((n) => n.message);
    expect(notices).toContain("The model file's card had no 'dataset', 'learningRate' and 'split.heldOutImages'; it is shown without them.");
    expect(notices).toContain("The model file had 'guidance' of the wrong kind; the model is used without it.");
    const { model } = h.last('model')!;
    expect(model.steps).toBe(3);
    expect(model.card).toMatchObject({ title: 'Digits', split: { trainImages: 10 } });
  });

  it('restored from the browser, it starts, and a notice names what was dropped', async () => {
    const store = memoryModelStore();
    await store.save(
      (await fileWith({ steps: -4, card: { ...brokenCard, dataset: 'MNIST', learningRate: { peak: 'x', final: 0, warmupSteps: 0 } } })) as never,
    );
    const h = recordingEngine({ store, loadBuiltinDigits: async () => digits });
    expect(await h.engine.handle({ type: 'init', config: tiny })).toEqual({ status: 'done' });
    expect(h.last('model')!.model.origin).toBe('restored');
    const notices = h.all('notice').map((n) => n.message);
    expect(notices).toContain("The saved model's card had no 'split.heldOutImages', and 'learningRate.peak' of the wrong kind; it is shown without them.");
    expect(notices).toContain("The saved model had 'steps' of the wrong kind; the model is used without it.");
  });

  it('a whole meta says nothing', async () => {
    const h = recordingEngine({ loadBuiltinDigits: async () => digits });
    await h.engine.handle({ type: 'init', config: tiny });
    const text = JSON.stringify(await fileWith({ steps: 3, card: { title: 'mine' } }));
    await h.engine.handle({ type: 'importModel', text, fileName: 'fine.json' });
    expect(h.all('notice').map((n) => n.message)).toEqual(['Imported “fine.json”.']);
  });
});
