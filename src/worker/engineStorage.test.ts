/**
 * Browser storage failing under the engine: a full disk is said in plain
 * words and loses nothing saved, a History entry can be deleted to make
 * room, and the site's data cleared mid-run is noticed and written again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { memoryCheckpointStorage } from './checkpoints';
import { type ModelStore, StorageClearedError, StorageFullError, memoryDatasetStore, memoryModelStore } from './modelStore';
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

function squares(): ImageDataset {
  const pixels = new Uint8Array(40 * 784);
  for (let n = 0; n < 40; n++) {
    for (let y = 4 + (n % 5); y < 14 + (n % 5); y++) for (let x = 8; x < 18; x++) pixels[n * 784 + y * 28 + x] = 255;
  }
  return { width: 28, height: 28, channels: 1, levels: 256, count: 40, pixels };
}

const gentle = { learningRate: 0.01, batchSize: 4 };

/** An engine whose model store refuses writes while `failure` says so, as IndexedDB would. */
function harness() {
  const inner = memoryModelStore();
  let failure: 'full' | 'cleared' | null = null;
  let claims = 0;
  const store: ModelStore = {
    load: () => inner.load(),
    save: async (model) => {
      if (failure === 'full') throw new StorageFullError("the browser's storage for this site is full");
      if (failure === 'cleared') throw new StorageClearedError("the browser's data for this site was cleared");
      await inner.save(model);
    },
  };
  const checkpoints = memoryCheckpointStorage();
  const datasets = memoryDatasetStore();
  const recorded = recordingEngine({
    store,
    datasets,
    checkpoints,
    loadBuiltinDigits: async () => squares(),
    claimStorage: async () => {
      claims++;
      // A new claim lets writes through again, as claimIndexedDbStorage's does after a clear.
      if (failure === 'cleared') failure = null;
    },
    checkClaim: async () => {
      if (failure === 'cleared') throw new StorageClearedError("the browser's data for this site was cleared");
    },
    storageEstimate: async () => ({ usage: 9_900_000, quota: 10_000_000 }),
  });
  return {
    ...recorded,
    inner,
    checkpoints,
    datasets,
    claims: () => claims,
    fail: (how: 'full' | 'cleared' | null) => {
      failure = how;
    },
  };
}

describe('browser storage failing under the engine', () => {
  it('says a full disk in plain words, keeps what was saved, trains on, and saves again once there is room', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny });
    await h.engine.handle({ type: 'step', settings: gentle });
    expect((await h.inner.load())!.meta.steps).toBe(1);
    h.fail('full');
    expect(await h.engine.handle({ type: 'step', settings: gentle })).toEqual({ status: 'done' });
    const problem = h.last('saveProblem')!.message!;
    console.log(`[storage] ${problem}`);
    expect(problem).toMatch(/^The model at step 2 could not be saved in this browser: its storage for this site is full\. Saving it needs about \d+ kB /);
    expect(problem).toContain('(this browser lets the site use 10 MB, and 10 MB of it is in use)');
    expect(problem).toContain('The model saved before, at step 1, is kept, and training goes on.');
    expect(problem).toContain('export the model to a file (Model panel) or delete old entries in History');
    expect(h.all('notice')).toEqual([]);
    // Nothing saved is lost, and the engine still trains.
    expect(await h.engine.handle({ type: 'step', settings: gentle })).toEqual({ status: 'done' });
    expect(h.last('model')!.model.steps).toBe(3);
    expect((await h.inner.load())!.meta.steps).toBe(1);

    // Room again: deleting a History entry saves the model at once, and the problem is over.
    await h.engine.handle({ type: 'resetModel' });
    const [entry] = h.last('checkpoints')!.list.entries;
    expect(entry).toMatchObject({ steps: 3, note: 'before Reset' });
    h.fail(null);
    await h.engine.handle({ type: 'step', settings: gentle });
    expect(h.last('saveProblem')!.message).toBeNull();
    h.fail('full');
    await h.engine.handle({ type: 'step', settings: gentle });
    expect(h.last('saveProblem')!.message).toMatch(/^The model at step 2 could not be saved/);
    h.fail(null);
    expect(await h.engine.handle({ type: 'deleteCheckpoint', checkpoint: entry.id })).toEqual({ status: 'done' });
    expect(h.last('checkpoints')!.list.entries.map((e) => e.id)).not.toContain(entry.id);
    expect(h.checkpoints.modelIds()).not.toContain(entry.id);
    expect((await h.inner.load())!.meta.steps).toBe(2);
    expect(h.last('saveProblem')!.message).toBeNull();
  });

  it('notices the site data cleared mid-run, keeps the model in memory, claims storage again and writes the model and images again', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny });
    expect(h.claims()).toBe(1);
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.engine.handle({ type: 'useBuiltinDataset', id: 'digits' });
    // What clearing the site's data does to the stores.
    await h.inner.save({ ...(await h.inner.load())!, meta: { steps: -1 } });
    await h.datasets.save([{ name: 'stale.png', bytes: new Uint8Array(1) }]);
    h.fail('cleared');
    expect(await h.engine.handle({ type: 'step', settings: gentle })).toEqual({ status: 'done' });
    expect(h.claims()).toBe(2);
    expect((await h.inner.load())!.meta.steps).toBe(2);
    expect(await h.datasets.load()).toBeNull();
    expect(h.last('model')!.model.steps).toBe(2);
    const notice = h.all('notice').find((n) => n.message.includes('cleared'))!.message;
    console.log(`[storage] ${notice}`);
    expect(notice).toBe(
      "This site's data was cleared in the browser while the app was open, which deleted the saved model, the History and your saved images. " +
        'The model is still here, at step 2, and was saved again with your images; the History starts afresh.',
    );
    expect(h.last('error')).toBeUndefined();
    // It goes on saving as before.
    await h.engine.handle({ type: 'step', settings: gentle });
    expect((await h.inner.load())!.meta.steps).toBe(3);
  });

  it('notices the site data cleared while nothing is being saved, within seconds, and writes the model at rest again', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: tiny });
    await h.engine.handle({ type: 'step', settings: gentle });
    await h.inner.save({ ...(await h.inner.load())!, meta: { steps: -1 } });
    h.fail('cleared');
    // No request comes: the engine's own check finds the claim gone.
    for (let i = 0; i < 200 && !h.all('notice').some((n) => n.message.includes('cleared')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(h.all('notice').map((n) => n.message)).toEqual([
      expect.stringMatching(/^This site's data was cleared .* The model is still here, at step 1, and was saved again/),
    ]);
    expect(h.claims()).toBe(2);
    expect((await h.inner.load())!.meta.steps).toBe(1);
    // Requests are still answered after the check.
    expect(await h.engine.handle({ type: 'step', settings: gentle })).toEqual({ status: 'done' });
  });

  it('says images it cannot keep for want of room in plain words, with what they need, and keeps them in use', async () => {
    const full = memoryDatasetStore();
    const { engine, all, last } = recordingEngine({
      loadBuiltinDigits: async () => squares(),
      datasets: {
        ...full,
        save: async (files) => {
          if (files) throw new StorageFullError("the browser's storage for this site is full");
          await full.save(files);
        },
      },
      storageEstimate: async () => ({ usage: 9_900_000, quota: 10_000_000 }),
      decode: async () => ({ width: 4, height: 4, rgba: new Uint8ClampedArray(64).fill(200) }),
    });
    await engine.handle({ type: 'init', config: tiny });
    // 1,000 bytes each, with a PNG signature (the stand-in decoder reads none of it).
    const png = () => Object.assign(new Uint8Array(1000), { 0: 0x89, 1: 0x50, 2: 0x4e, 3: 0x47, 4: 0x0d, 5: 0x0a, 6: 0x1a, 7: 0x0a });
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `a${i}.png`, bytes: png() }));
    expect(await engine.handle({ type: 'importImages', files })).toEqual({ status: 'done' });
    expect(last('dataset')!.dataset.name).toBe('8 imported images');
    expect(all('notice').map((n) => n.message)).toContain(
      'Your images could not be saved in this browser: its storage for this site is full. Saving them needs about 8 kB (this browser lets the site use 10 MB, and 10 MB of it is in use). They are in use now, but a reload will start from the built-in digits. To make room, delete old entries in History, or keep fewer images.',
    );
  });
});
