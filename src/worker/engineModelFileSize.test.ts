import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { LARGE_MODEL_FILE_BYTES, largeModelFileQuestion, MAX_MODEL_FILE_BYTES, modelFileSizeProblem } from '../model/memory';
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
const digits: ImageDataset = { width: 4, height: 4, channels: 1, levels: 4, count: 10, pixels: new Uint8Array(160) };

/** A valid model file of `tiny`, padded (with a note in its card) to exactly `length` characters. */
async function paddedModelFile(length: number): Promise<string> {
  const model = createPixelCNN(tiny, 5);
  const text = JSON.stringify(await saveModel(model, { steps: 3, card: { note: '' } }));
  model.dispose();
  return text.replace('"note":""', `"note":"${'x'.repeat(length - text.length)}"`);
}

describe('a model file over the size the app opens', () => {
  it('is refused by the engine before it is parsed, changing nothing', async () => {
    const { engine, all } = recordingEngine({ loadBuiltinDigits: async () => digits });
    await engine.handle({ type: 'init', config: tiny });
    const models = all('model').length;
    const over = 'x'.repeat(MAX_MODEL_FILE_BYTES + 1);
    expect(await engine.handle({ type: 'importModel', text: over, fileName: 'huge.json' })).toEqual({
      status: 'failed',
      context: 'import',
      message: `${modelFileSizeProblem('huge.json', over.length)!} Nothing was changed.`,
    });
    expect(all('model')).toHaveLength(models);
  });

  it('over the size the page asks about is opened by the engine (the page asked already)', async () => {
    const { engine, all } = recordingEngine({ loadBuiltinDigits: async () => digits });
    await engine.handle({ type: 'init', config: tiny });
    const large = await paddedModelFile(LARGE_MODEL_FILE_BYTES + 1);
    expect(largeModelFileQuestion('large.json', large.length, 5)).not.toBeNull();
    expect(await engine.handle({ type: 'importModel', text: large, fileName: 'large.json' })).toEqual({ status: 'done' });
    expect(all('model').at(-1)!.model.origin).toBe('imported');
  });
});
