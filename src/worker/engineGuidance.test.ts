/**
 * Classifier-free guidance in the engine: which weight a run samples with
 * (the request's, else the model's own default), what a model records, and
 * what happens when a model cannot be guided.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../data/types';
import { type PixelCNNConfig } from '../model/config';
import { DEFAULT_GUIDANCE } from '../model/guidance';
import { createPixelCNN } from '../model/pixelcnn';
import type { SampleOptions } from '../model/sampling';
import { saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import type { SampleSettings } from './protocol';
import { recordingEngine } from './testEngine';
import { sampleIncremental } from '../model/incrementalSampler';

beforeAll(useCpuBackend);

const guided: PixelCNNConfig = {
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
  classes: 2,
  labelDropout: 0.2,
};

/** 20 labelled 28×28 images of two classes. */
function labelled(): ImageDataset {
  const pixels = new Uint8Array(20 * 784).map((_, i) => (i * 37) % 256);
  const labels = Int32Array.from({ length: 20 }, (_, i) => i % 2);
  return { width: 28, height: 28, channels: 1, levels: 256, count: 20, pixels, labels, classNames: ['a', 'b'] };
}

const settings: SampleSettings = { count: 2, temperature: 1, seed: 3, delayMs: 0, draw: { kind: 'any' } };

function harness() {
  const runs: SampleOptions[] = [];
  const h = recordingEngine({
    loadBuiltinDigits: async () => labelled(),
    sampler: async (model, options) => {
      runs.push(options);
      return sampleIncremental(model, options);
    },
  });
  const sample = async (s: Partial<SampleSettings> = {}) => {
    await h.engine.handle({ type: 'sample', settings: { ...settings, ...s } });
    await h.engine.handle({ type: 'stopSampling' });
  };
  return { ...h, runs, sample };
}

describe('guidance in the engine', () => {
  it("a model with a 'no class' row samples at its default until a request names a weight, and records the default", async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: guided });
    expect(h.last('model')!.model).toMatchObject({ guidance: DEFAULT_GUIDANCE, guidanceUnavailable: null });
    await h.sample();
    expect(h.runs.at(-1)!.guidance).toBe(DEFAULT_GUIDANCE);
    await h.sample({ guidance: 4.5 });
    expect(h.runs.at(-1)!.guidance).toBe(4.5);
    await h.sample({ guidance: 0 });
    expect(h.runs.at(-1)!.guidance).toBe(0);
    await h.engine.handle({ type: 'saveNow' });
    expect((await h.store.load())!.meta.guidance).toBe(DEFAULT_GUIDANCE);
    expect(h.all('notice').filter((n) => /Guidance/.test(n.message))).toEqual([]);
  });

  it("takes a model file's own default (meta.guidance) and keeps it when it saves", async () => {
    const h = harness();
    const model = createPixelCNN(guided, 2);
    await h.store.save(await saveModel(model, { steps: 5, guidance: 3.25 }));
    model.dispose();
    await h.engine.handle({ type: 'init', config: guided });
    expect(h.last('model')!.model).toMatchObject({ steps: 5, guidance: 3.25 });
    await h.sample();
    expect(h.runs.at(-1)!.guidance).toBe(3.25);
    await h.engine.handle({ type: 'saveNow' });
    expect((await h.store.load())!.meta.guidance).toBe(3.25);
  });

  it('an imported file of the same architecture brings its own default, as every other way a model comes in does', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: guided });
    const source = createPixelCNN(guided, 4);
    const text = JSON.stringify(await saveModel(source, { steps: 7, guidance: 2.5 }));
    source.dispose();
    await h.engine.handle({ type: 'importModel', text, fileName: 'guided.json' });
    expect(h.last('model')!.model).toMatchObject({ origin: 'imported', steps: 7, guidance: 2.5 });
    await h.sample();
    expect(h.runs.at(-1)!.guidance).toBe(2.5);
  });

  it('a model without the row samples unguided, says why in its summary, and drops an asked weight with a notice', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: { ...guided, labelDropout: 0 } });
    const summary = h.last('model')!.model;
    expect(summary.guidance).toBe(1);
    expect(summary.guidanceUnavailable).toMatch(/trained with label dropout/);
    await h.sample({ guidance: 3 });
    expect(h.runs.at(-1)!.guidance).toBe(1);
    expect(h.last('notice')!.message).toMatch(/^Guidance 3 was not used, so the grid is drawn without it\. Guidance needs a model trained with label dropout/);
    // Asking for 1 (or nothing) is no problem.
    const notices = h.all('notice').length;
    await h.sample({ guidance: 1 });
    await h.sample();
    expect(h.all('notice')).toHaveLength(notices);
    await h.engine.handle({ type: 'saveNow' });
    expect((await h.store.load())!.meta.guidance).toBeUndefined();
  });

  it('refuses a weight outside the declared range, naming it', async () => {
    const h = harness();
    await h.engine.handle({ type: 'init', config: guided });
    const refused = (message: string) => ({ status: 'failed', context: 'sampling', message });
    expect(await h.engine.handle({ type: 'sample', settings: { ...settings, guidance: 11 } })).toEqual(
      refused('Guidance must be a number from 0 to 10, got 11.'),
    );
    expect(await h.engine.handle({ type: 'sample', settings: { ...settings, guidance: -1 } })).toEqual(
      refused('Guidance must be a number from 0 to 10, got -1.'),
    );
  });
});
