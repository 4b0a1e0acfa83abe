import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import type { ImageDataset, InputFile } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
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

/** A fake PNG whose body says "W,H,gray"; anything else does not decode. */
function image(name: string, gray = 128): InputFile {
  return { name, bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(`4,4,${gray}`)]) };
}
const junk = (name: string): InputFile => ({ name, bytes: new TextEncoder().encode('not an image at all') });

async function decode(file: InputFile) {
  const text = new TextDecoder().decode(file.bytes as Uint8Array).slice(8);
  const [w, h, gray] = text.split(',').map(Number);
  if (!(w > 0 && h > 0)) throw new Error('corrupt');
  return { width: w, height: h, rgba: new Uint8ClampedArray(w * h * 4).fill(gray) };
}

function harness() {
  return recordingEngine({ loadBuiltinDigits: async () => digits, decode });
}

describe('dropping onto a dataset', () => {
  it('adds to the images in use or replaces them, as asked', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'importImages', files: Array.from({ length: 8 }, (_, i) => image(`a${i}.png`)) });
    expect(last('dataset')!.dataset.name).toBe('8 imported images');
    await engine.handle({ type: 'importImages', files: [image('b.png')], mode: 'add' });
    expect(last('dataset')!.dataset.name).toBe('9 imported images');
    expect(last('dataset')!.dataset.accepted).toBe(9);
    await engine.handle({ type: 'importImages', files: [image('c.png'), image('d.png')], mode: 'replace' });
    expect(last('dataset')!.dataset.name).toBe('2 imported images');
  });

  it('keeps true counts after a failed drop and lists every file of it with its reason', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'importImages', files: Array.from({ length: 8 }, (_, i) => image(`a${i}.png`)) });
    await engine.handle({ type: 'importImages', files: Array.from({ length: 6 }, (_, i) => junk(`bad${i}.txt`)), mode: 'add' });
    // Adding six bad files to eight good ones: the eight are still imported, and the six are listed.
    expect(last('dataset')!.dataset).toMatchObject({ name: '8 imported images', accepted: 8 });
    expect(last('dataset')!.dataset.skipped).toHaveLength(6);
    const outcome = await engine.handle({ type: 'importImages', files: Array.from({ length: 6 }, (_, i) => junk(`worse${i}.txt`)), mode: 'replace' });
    const after = last('dataset')!.dataset;
    // "8 imported images · accepted 0 · skipped 6" must not happen: the counts are the dataset's own.
    expect(after).toMatchObject({ name: '8 imported images', accepted: 8 });
    expect(after.skipped).toHaveLength(6);
    expect(after.failedDrop!.map((f) => f.name)).toEqual(Array.from({ length: 6 }, (_, i) => `worse${i}.txt`));
    expect(outcome).toMatchObject({ status: 'failed', context: 'dataset' });
  });

  it('counts the files a capped drop left unread as skipped, with the reason', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    const notRead = [
      { name: 'z1.png', reason: 'over the 5,000-file cap' },
      { name: 'z2.png', reason: 'over the 5,000-file cap' },
    ];
    await engine.handle({ type: 'importImages', files: [image('a.png'), image('b.png')], notRead });
    expect(last('dataset')!.dataset.accepted).toBe(2);
    expect(last('dataset')!.dataset.skipped).toEqual(notRead);
  });
});

describe('images kept from last time with entries that do not read', () => {
  it('uses the rest, with a notice naming what was left out', async () => {
    const { memoryDatasetStore } = await import('./modelStore');
    const datasets = memoryDatasetStore();
    await datasets.save([image('a.png', 10), image('b.png', 20)]);
    const stored = (await datasets.load())!;
    datasets.load = async () => [stored[0]!, { name: 7, bytes: stored[1]!.bytes } as never, stored[1]!];
    const h = recordingEngine({ loadBuiltinDigits: async () => digits, decode, datasets });
    expect(await h.engine.handle({ type: 'init', config: tiny })).toEqual({ status: 'done' });
    expect(h.all('notice').map((n) => n.message)).toContain("Your images from last time had 'file 2: name' of the wrong kind; the rest are used.");
    expect(h.last('dataset')!.dataset.accepted).toBe(2);
  });
});
