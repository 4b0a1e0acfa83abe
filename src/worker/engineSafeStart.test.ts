/**
 * A safe start: after a visit whose start failed, the engine starts from the
 * shipped model instead of the saved one, keeps the saved one in the
 * history (nothing deleted), says so in a lasting notice, and the next
 * ordinary start does not bring the failing model back by itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../data/types';
import type { PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import { memoryCheckpointStorage } from './checkpoints';
import { SET_ASIDE_NOTE } from './engine/safeStart';
import { memoryModelStore } from './modelStore';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  architecture: 'pixelcnn',
  height: 4,
  width: 4,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 4,
  layers: 2,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  classes: 0,
  labelDropout: 0,
};
const usersOwn: PixelCNNConfig = { ...tiny, hiddenChannels: 6 };

function digits(): ImageDataset {
  return { width: 28, height: 28, channels: 1, levels: 256, count: 30, pixels: new Uint8Array(30 * 784).fill(7), classNames: [] };
}

async function savedModel(config: PixelCNNConfig, meta: Parameters<typeof saveModel>[1]) {
  const model = createPixelCNN(config, 3);
  const saved = await saveModel(model, meta);
  model.dispose();
  return saved;
}

async function harness(stored: unknown) {
  const store = memoryModelStore();
  if (stored !== null) await store.save(stored as never);
  const checkpoints = memoryCheckpointStorage();
  const h = recordingEngine({
    store,
    checkpoints,
    loadBuiltinDigits: async () => digits(),
    loadPretrained: async () => savedModel(tiny, { origin: 'pretrained', steps: 10, card: { title: 'shipped' } }),
  });
  return { ...h, checkpoints };
}

describe('a safe start', () => {
  it('starts from the shipped model, keeps the saved one in the history, and says so', async () => {
    const h = await harness(await savedModel(usersOwn, { origin: 'new', steps: 1234 }));
    const outcome = await h.engine.handle({ type: 'init', config: usersOwn, safeStart: 'the Model panel stopped working: boom' });
    expect(outcome).toEqual({ status: 'done' });
    expect(h.last('model')!.model.origin).toBe('pretrained');
    expect(h.last('model')!.model.config).toEqual(tiny);
    const notice = h.all('notice').find((n) => n.lasting);
    expect(notice?.message).toMatch(/last visit stopped while starting \(the Model panel stopped working: boom\), so this one starts from the shipped model/);
    expect(notice?.message).toMatch(/1,234 steps\) is kept in History/);
    const list = h.last('checkpoints')!.list;
    expect(list.entries).toHaveLength(1);
    expect(list.entries[0]).toMatchObject({ steps: 1234, note: SET_ASIDE_NOTE, origin: 'restored' });
    // Nothing deleted: the set-aside weights are there to go back to.
    expect(h.checkpoints.modelIds()).toEqual([list.entries[0]!.id]);
    expect(await h.engine.handle({ type: 'restoreCheckpoint', checkpoint: list.entries[0]!.id })).toEqual({ status: 'done' });
    expect(h.last('model')!.model).toMatchObject({ config: usersOwn, steps: 1234 });
  });

  it("saves the shipped model in the set-aside one's place, so the next ordinary start does not restore the model that failed", async () => {
    const h = await harness(await savedModel(usersOwn, { origin: 'new', steps: 5 }));
    await h.engine.handle({ type: 'init', config: usersOwn, safeStart: 'it did not finish starting' });
    const stored = await h.store.load();
    expect(stored?.config).toEqual(tiny);
    expect(stored?.meta.origin).toBe('pretrained');
  });

  it('with nothing saved (a first visit closed early), starts as any first visit does, with nothing to say', async () => {
    const h = await harness(null);
    expect(await h.engine.handle({ type: 'init', config: tiny, safeStart: 'it did not finish starting' })).toEqual({ status: 'done' });
    expect(h.last('model')!.model.origin).toBe('pretrained');
    expect(h.all('notice').some((n) => n.lasting)).toBe(false);
    expect(h.last('checkpoints')!.list.entries).toEqual([]);
    // Not saved either, as on any first visit: the next one loads the shipped file again.
    expect(await h.store.load()).toBeNull();
  });

  it('leaves a saved model it cannot read where it is, saying so, and does not save over it', async () => {
    const broken = { format: 'pixelcnn-studio-model', version: 1, config: { nonsense: true }, tensors: [], meta: {} };
    const h = await harness(broken);
    expect(await h.engine.handle({ type: 'init', config: tiny, safeStart: 'it did not finish starting' })).toEqual({ status: 'done' });
    expect(h.last('model')!.model.origin).toBe('pretrained');
    expect(h.all('notice').find((n) => n.lasting)?.message).toMatch(/saved model could not be read .*left as it was/);
    expect(await h.store.load()).toEqual(broken);
  });

  it('an ordinary start restores the saved model as before', async () => {
    const h = await harness(await savedModel(usersOwn, { origin: 'new', steps: 7 }));
    await h.engine.handle({ type: 'init', config: usersOwn });
    expect(h.last('model')!.model).toMatchObject({ origin: 'restored', steps: 7, config: usersOwn });
    expect(h.all('notice').some((n) => n.lasting)).toBe(false);
  });
});
