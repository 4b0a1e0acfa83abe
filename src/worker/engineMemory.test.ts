import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { memoryProblem } from '../model/memory';
import { UserFacingError, fatalEngineProblem, plainEngineText } from './errors';
import { recordingEngine, testBackend } from './testEngine';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  ...DEFAULT_CONFIG,
  architecture: 'pixelcnn',
  height: 4,
  width: 4,
  levels: 4,
  hiddenChannels: 4,
  layers: 2,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  classes: 0,
};
/** The model of the report: 256×256 RGB, 1023 channels (1020 here, so it splits into R, G, B), 64 layers. */
const huge: PixelCNNConfig = { ...DEFAULT_CONFIG, height: 256, width: 256, colorChannels: 3, hiddenChannels: 1020, headChannels: 129, layers: 64 };

function digits(): ImageDataset {
  return { width: 4, height: 4, channels: 1, levels: 4, count: 20, pixels: new Uint8Array(20 * 16).map((_, i) => i % 4) };
}

function harness() {
  return recordingEngine({ selectBackend: testBackend('wasm'), loadBuiltinDigits: async () => digits() });
}

describe('memory known before building', () => {
  it('refuses a model that will not fit, naming the numbers and a size that fits, and keeps the model', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    const before = last('model')!.model.config;
    const error = await engine.handle({ type: 'setConfig', config: huge, batchSize: 16 });
    if (error.status !== 'failed') throw new Error('a model too big was built');
    expect(error.context).toBe('model');
    expect(error.message).toMatch(/^This model needs about [\d.]+ GB to train on batches of 16 \(.*\), more than the [\d.]+ GB allowed on /);
    expect(error.message).toMatch(/Nothing was changed\.$/);
    expect(last('model')!.model.config).toEqual(before);
  });

  it('refuses a batch too big for the model, suggesting one that fits', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'setConfig', config: DEFAULT_CONFIG, batchSize: 1 });
    expect(last('model')!.model.config).toEqual(DEFAULT_CONFIG);
    const error = await engine.handle({ type: 'step', settings: { learningRate: 0.001, batchSize: 256 } });
    if (error.status !== 'failed') throw new Error('a batch too big was trained on');
    expect(error.context).toBe('training');
    expect(error.message).toMatch(/to train on batches of 256 .* It would fit with a batch size of \d+/);
    expect(last('trainStep')).toBeUndefined();
  });

  it('does not build a remembered model that cannot fit; it starts from the default and says why', async () => {
    const { engine, last } = harness();
    await engine.handle({ type: 'init', config: huge });
    expect(last('notice')!.message).toMatch(/^The remembered model settings were not used: This model needs about/);
    expect(last('model')!.model.config).toEqual(DEFAULT_CONFIG);
  });
});

describe('a dead engine', () => {
  it("reports a WebAssembly abort as fatal, in plain words, never as the raw 'Aborted()'", async () => {
    const { engine, events, last } = harness();
    await engine.handle({ type: 'init', config: tiny });
    // A request whose handling hits a WebAssembly abort, as a model too big for the heap does in the wild.
    const abort = Object.assign(new Error('Aborted(). Build with -sASSERTIONS for more info.'), { name: 'RuntimeError' });
    const outcome = await engine.handle({
      type: 'step',
      get settings(): never {
        throw abort;
      },
    });
    expect(last('fatal')!.message).toBe('the engine ran out of memory or hit an internal error in its WebAssembly code');
    expect(outcome).toEqual({ status: 'failed', context: 'worker', message: last('fatal')!.message });
    expect(JSON.stringify(events)).not.toContain('Aborted');
  });

  it('tells fatal failures from ordinary ones', () => {
    expect(fatalEngineProblem(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toMatch(/WebAssembly/);
    expect(fatalEngineProblem(new RangeError('Array buffer allocation failed'))).toBe('the engine ran out of memory');
    expect(fatalEngineProblem(new Error('GPU device was lost: destroyed'))).toBe('the graphics device stopped responding');
    expect(fatalEngineProblem(new Error('The learning rate must be a positive number, got 0.'))).toBeNull();
    expect(fatalEngineProblem(new Error('WebGL: OOM when allocating a texture'))).toBe('the engine ran out of memory');
    // A refusal of a batch too big for wasm speaks of "room for fragmentation": it once read as "OOM", and the refusal ended the engine.
    const refusal = memoryProblem(DEFAULT_CONFIG, 256, 'wasm')!;
    expect(refusal).toMatch(/room/);
    expect(fatalEngineProblem(new Error(refusal))).toBeNull();
    expect(fatalEngineProblem(new UserFacingError('training', refusal))).toBeNull();
    expect(fatalEngineProblem(new UserFacingError('training', 'The engine ran out of memory before, so this is said in plain words.'))).toBeNull();
    expect(plainEngineText('Uncaught RuntimeError: Aborted(). Build with -sASSERTIONS for more info.')).toBe(
      'The engine ran out of memory or hit an internal error in its WebAssembly code.',
    );
    expect(plainEngineText('There is no training data yet.')).toBe('There is no training data yet.');
  });
});
