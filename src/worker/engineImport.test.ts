import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import type { ImageDataset } from '../data/types';
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
const other: PixelCNNConfig = { ...tiny, architecture: 'gated', height: 6, width: 6, hiddenChannels: 6 };
const digits: ImageDataset = { width: 28, height: 28, channels: 1, levels: 256, count: 10, pixels: new Uint8Array(7840) };

describe('importing a model file of another architecture', () => {
  it('asks first, changing nothing; switches when told, with the dataset at the new size', async () => {
    const { engine, last } = recordingEngine({ loadBuiltinDigits: async () => digits });
    await engine.handle({ type: 'init', config: tiny });
    const source = createPixelCNN(other, 3);
    const text = JSON.stringify(await saveModel(source, { steps: 42 }));
    source.dispose();

    expect(await engine.handle({ type: 'importModel', text, fileName: 'gated.json' })).toEqual({ status: 'done' });
    expect(last('importNeedsSwitch')).toEqual({ type: 'importNeedsSwitch', fileName: 'gated.json', config: other, steps: 42 });
    expect(last('model')!.model.config).toEqual(tiny);

    await engine.handle({ type: 'importModel', text, fileName: 'gated.json', switchArchitecture: true });
    expect(last('model')!.model).toMatchObject({ config: other, origin: 'imported', steps: 42 });
    expect(last('dataset')!.dataset).toMatchObject({ width: 6, height: 6 });
    expect(last('notice')!.message).toBe(
      'Imported “gated.json”: the model is now a Gated PixelCNN, 6×6 grayscale, 4 levels, 1 layers of 6 channels, 3×3 kernels.',
    );
  });
});
