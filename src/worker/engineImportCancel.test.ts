import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import type { ImageDataset, InputFile } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { memoryDatasetStore, memoryModelStore } from './modelStore';
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
const digits: ImageDataset = { width: 4, height: 4, channels: 1, levels: 4, count: 10, pixels: new Uint8Array(160) };

/** A fake PNG; the decoder below turns any into a 4×4 gray image. */
function image(name: string): InputFile {
  return { name, bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) };
}
const drop = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => image(`${prefix}${String(i).padStart(4, '0')}.png`));

/** A decoder that takes a macrotask per image, as the browser's does, and counts what it decoded. */
function slowDecoder() {
  const decoded: string[] = [];
  const decode = async (file: InputFile) => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    decoded.push(file.name);
    return { width: 4, height: 4, rgba: new Uint8ClampedArray(64).fill(200) };
  };
  return { decode, decoded };
}

function harness() {
  const datasets = memoryDatasetStore();
  const store = memoryModelStore();
  const { decode, decoded } = slowDecoder();
  return { ...recordingEngine({ loadBuiltinDigits: async () => digits, decode, datasets, store }), datasets, decoded };
}

/** Resolves once `decoded` holds `count` names. */
async function decodedAtLeast(decoded: string[], count: number): Promise<void> {
  while (decoded.length < count) await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('cancelling an import', () => {
  it('stops decoding promptly, keeps the images and model in use, and stores nothing of the drop', async () => {
    const { engine, events, last, all, datasets, decoded } = harness();
    await engine.handle({ type: 'init', config: tiny });
    expect(await engine.handle({ type: 'importImages', files: drop('mine', 8) })).toEqual({ status: 'done' });
    const before = { dataset: last('dataset')!.dataset, models: all('model').length, kept: (await datasets.load())!.map((f) => f.name) };
    expect(before.kept).toHaveLength(8);
    decoded.length = 0;

    const importing = engine.handle({ type: 'importImages', files: drop('big', 200) });
    await decodedAtLeast(decoded, 5);
    const eventsAtCancel = events.length;
    const decodedAtCancel = decoded.length;
    expect(await engine.handle({ type: 'cancelImport' })).toEqual({ status: 'done' });
    const outcome = await importing;

    expect(outcome).toEqual({
      status: 'failed',
      context: 'dataset',
      message: `The import was cancelled: nothing of it was kept, and the images in use are still the ${before.dataset.name}.`,
    });
    // Promptly: at most the image being decoded when the cancel came.
    expect(decoded.length).toBeLessThanOrEqual(decodedAtCancel + 1);
    expect(decoded.length).toBeLessThan(200);
    // Nothing of the drop is used, announced or kept.
    expect(events.slice(eventsAtCancel).filter((e) => e.type === 'dataset' || e.type === 'model')).toEqual([]);
    expect(all('model')).toHaveLength(before.models);
    expect((await datasets.load())!.map((f) => f.name)).toEqual(before.kept);

    // The images in use are the previous ones: an add goes onto them.
    expect(await engine.handle({ type: 'importImages', files: drop('more', 1), mode: 'add' })).toEqual({ status: 'done' });
    expect(last('dataset')!.dataset.name).toBe('9 imported images');
  });

  it('cancels an import still waiting behind another request, and answers a cancel with nothing to cancel', async () => {
    const { engine, last, decoded } = harness();
    await engine.handle({ type: 'init', config: tiny });
    const name = last('dataset')!.dataset.name;
    expect(await engine.handle({ type: 'cancelImport' })).toEqual({ status: 'done' });

    const first = engine.handle({ type: 'importImages', files: drop('a', 50) });
    const second = engine.handle({ type: 'importImages', files: drop('b', 50) });
    await decodedAtLeast(decoded, 2);
    await engine.handle({ type: 'cancelImport' });
    expect(await first).toMatchObject({ status: 'failed', message: expect.stringContaining('cancelled') as unknown });
    expect(await second).toMatchObject({ status: 'failed', message: expect.stringContaining('cancelled') as unknown });
    expect(decoded.every((file) => file.startsWith('a'))).toBe(true);
    expect(last('dataset')!.dataset.name).toBe(name);

    // A later import is not cancelled by the earlier cancel.
    expect(await engine.handle({ type: 'importImages', files: drop('c', 3) })).toEqual({ status: 'done' });
    expect(last('dataset')!.dataset.name).toBe('3 imported images');
  });
});
