/**
 * The engine's training history: checkpoints, going back, the divergence
 * guard putting back the best checkpoint, and writing nothing while another
 * tab owns browser storage.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { createPixelCNN } from '../model/pixelcnn';
import { type SavedModel, saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { memoryCheckpointStorage } from './checkpoints';
import { type ModelStore, StorageTakenError, memoryDatasetStore, memoryModelStore } from './modelStore';
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
  classes: 0,
  labelDropout: 0,
};

/** 40 "digits": a bright square at a varying height. */
function squares(): ImageDataset {
  const pixels = new Uint8Array(40 * 784);
  for (let n = 0; n < 40; n++) {
    for (let y = 4 + (n % 5); y < 14 + (n % 5); y++) for (let x = 8; x < 18; x++) pixels[n * 784 + y * 28 + x] = 255;
  }
  return { width: 28, height: 28, channels: 1, levels: 256, count: 40, pixels };
}

function harness(loadPretrained?: () => Promise<SavedModel | null>, store: ModelStore = memoryModelStore(), claimStorage?: () => Promise<void>) {
  const datasets = memoryDatasetStore();
  const checkpoints = memoryCheckpointStorage();
  const { engine, events, last, all } = recordingEngine({
    store,
    datasets,
    checkpoints,
    loadBuiltinDigits: async () => squares(),
    loadPretrained,
    claimStorage,
  });
  const trainingStopped = async () => {
    for (let i = 0; i < 1000 && !all('training').some((e) => !e.running); i++) await new Promise((r) => setTimeout(r, 20));
    return last('training')!;
  };
  return { engine, events, last, all, store, datasets, checkpoints, trainingStopped };
}

const gentle = { learningRate: 0.01, batchSize: 4 };

describe('the training history', () => {
  it('keeps the weights from before a Reset, goes back to them, and keeps what it left in the list too', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny });
    expect(h.last('checkpoints')!.list.entries).toEqual([]);
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'step', settings: gentle });
    const heldOut = h.last('evaluation')!.testBitsPerDim;
    await h.engine.handle({ type: 'resetModel' });
    expect(h.last('model')!.model.steps).toBe(0);

    const [beforeReset] = h.last('checkpoints')!.list.entries;
    expect(beforeReset).toMatchObject({ steps: 2, note: 'before Reset', heldOutBitsPerDim: heldOut });
    await h.engine.handle({ type: 'restoreCheckpoint', checkpoint: beforeReset.id });
    expect(h.last('model')!.model).toMatchObject({ steps: 2, origin: 'restored' });
    expect(h.last('notice')!.message).toBe('Went back to the checkpoint at step 2.');
    // Saved, so a reload keeps what the user went back to.
    expect((await h.store.load())!.meta.steps).toBe(2);
    // The reset weights it left are in the list, newest first.
    const list = h.last('checkpoints')!.list;
    expect(list.entries.map((e) => [e.steps, e.note])).toEqual([
      [0, 'before going back'],
      [2, 'before Reset'],
    ]);
    expect(list.bestId).toBe(beforeReset.id);
    // The same weights: scoring them again gives the same held-out figure.
    await h.engine.handle({ type: 'step', settings: { ...gentle, learningRate: 1e-12 } });
    expect(h.last('evaluation')!.testBitsPerDim).toBeCloseTo(heldOut, 3);

    expect(await h.engine.handle({ type: 'restoreCheckpoint', checkpoint: 999 })).toMatchObject({
      status: 'failed',
      context: 'model',
      message: expect.stringMatching(/no longer kept/),
    });
  });

  it('stops an exploding run, puts back the best checkpoint, and says so in the reason and a notice', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny });
    for (let i = 0; i < 3; i++) await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'train', settings: { learningRate: 10, batchSize: 4 } });
    const stopped = await h.trainingStopped();
    // Training started from step 3, scored first: that checkpoint is the best there is.
    const start = h.all('evaluation').find((e) => e.step === 3)!.testBitsPerDim;
    expect(stopped.running).toBe(false);
    expect(stopped.reason).toMatch(
      /^Training stopped at step [\d,]+: the (loss became (NaN|infinite)|training loss exploded.*|held-out loss exploded.*)\. The model went back to its best checkpoint \(step 3, \d\.\d{3} bits\/dim held out\)\. Try a smaller learning rate\.$/,
    );
    console.log(`[divergence] ${stopped.reason}`);
    expect(h.all('notice').map((n) => n.message)).toContain(stopped.reason);
    expect(h.last('model')!.model.steps).toBe(3);
    expect((await h.store.load())!.meta.steps).toBe(3);
    // The evaluation after the stop scores the restored weights, not the wreck.
    expect(h.last('evaluation')!.testBitsPerDim).toBeCloseTo(start, 4);
    expect(h.last('error')).toBeUndefined();
    // Every step is heard before the going-back: a step of the wreck heard after it would read on the page as training on from the restored weights.
    const started = h.events.findIndex((e) => e.type === 'training' && e.running);
    const wentBack = h.events.findIndex((e, i) => i > started && e.type === 'model' && e.model.steps === 3);
    expect(h.events.slice(wentBack).filter((e) => e.type === 'trainStep')).toEqual([]);
  });

  it('goes back to the shipped model with its card, and saves it so a reload keeps it', async () => {
    const card = { title: 'test digits', heldOutBitsPerDim: 1.5 };
    const model = createPixelCNN(tiny, 77);
    const shipped = await saveModel(model, { origin: 'pretrained', steps: 1234, card });
    model.dispose();
    const h = harness(async () => shipped);
    await h.engine.handle({ type: 'init', config: tiny });
    expect(h.last('checkpoints')!.list.pretrained).toBe(true);
    await h.engine.handle({ type: 'resetModel' });
    expect(h.last('model')!.model).toMatchObject({ origin: 'new', steps: 0, card: {} });
    await h.engine.handle({ type: 'restoreCheckpoint', checkpoint: 'pretrained' });
    expect(h.last('model')!.model).toMatchObject({ origin: 'pretrained', steps: 1234, card });
    expect(h.last('notice')!.message).toBe('Went back to the pretrained model shipped with the app.');
    expect((await h.store.load())!.meta).toMatchObject({ origin: 'pretrained', steps: 1234, card });
  });

  it('writes nothing while another tab owns storage, keeps its own history in memory, and writes at once on taking over', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny, saving: false });
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'resetModel' });
    expect(await h.store.load()).toBeNull();
    expect(await h.checkpoints.readIndex()).toEqual([]);
    // Its own history still works, for this tab.
    expect(h.last('checkpoints')!.list.entries.map((e) => e.steps)).toEqual([1]);

    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'setSaving', saving: true });
    expect((await h.store.load())!.meta.steps).toBe(1);
    // The shared history is the one listed now.
    expect(h.last('checkpoints')!.list.entries).toEqual([]);

    // Giving storage up stops the writes again.
    await h.engine.handle({ type: 'setSaving', saving: false });
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'saveNow' });
    expect((await h.store.load())!.meta.steps).toBe(1);
  });

  it('claims storage when it starts saving, and stops writing once another tab has claimed it since, telling its page once', async () => {
    const inner = memoryModelStore();
    let taken = false;
    const saves: number[] = [];
    const store: ModelStore = {
      load: () => inner.load(),
      save: async (model) => {
        if (taken) throw new StorageTakenError('another tab saves the model and images now');
        saves.push(model.meta.steps as number);
        await inner.save(model);
      },
    };
    let claims = 0;
    const h = harness(undefined, store, async () => {
      claims++;
    });
    await h.engine.handle({ type: 'init', config: tiny });
    expect(claims).toBe(1);
    await h.engine.handle({ type: 'step', settings: gentle });
    taken = true;
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'step', settings: gentle });
    expect(saves).toEqual([0, 1]);
    // The page hears of it once, as an event of its own (it shows its own banner and notice), not as a failed save.
    expect(h.all('storageTaken')).toHaveLength(1);
    expect(h.all('notice')).toEqual([]);
    // Taking storage back claims it again before writing.
    taken = false;
    await h.engine.handle({ type: 'setSaving', saving: true });
    expect(claims).toBe(2);
    expect(saves).toEqual([0, 1, 3]);
  });
});
