/**
 * A start-up that a user's setting cannot spoil: the first grid of a first
 * visit asks for what a link said, and a setting the model cannot draw falls
 * back to the defaults with a notice, instead of leaving the engine unready.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../data/types';
import type { PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import { useCpuBackend } from '../test/tfSetup';
import type { SampleSettings } from './protocol';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

const conditional: PixelCNNConfig = {
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
  classes: 3,
  labelDropout: 0,
};

function digits(): ImageDataset {
  const labels = Int32Array.from({ length: 30 }, (_, i) => i % 3);
  return { width: 28, height: 28, channels: 1, levels: 256, count: 30, pixels: new Uint8Array(30 * 784).fill(7), labels, classNames: ['a', 'b', 'c'] };
}

function harness() {
  return recordingEngine({
    loadBuiltinDigits: async () => digits(),
    loadPretrained: async () => {
      const model = createPixelCNN(conditional, 3);
      const saved = await saveModel(model, { origin: 'pretrained', steps: 10, card: { title: 'test' } });
      model.dispose();
      return saved;
    },
  });
}

const link: SampleSettings = { count: 4, temperature: 1, seed: 9, delayMs: 0, draw: { kind: 'class', label: 42 } };

describe('start-up with settings the model cannot draw', () => {
  it('a first grid asking for a class the shipped model lacks draws any class with the other settings of the link, with a notice naming the refused class; the engine is ready', async () => {
    const h = harness();
    const outcome = await h.engine.handle({ type: 'init', config: conditional, sampleOnStart: link });
    expect(outcome).toEqual({ status: 'done' });
    expect(h.last('ready')).toBeTruthy();
    expect(h.last('sampleStart')!.sample.count).toBe(link.count);
    expect(h.all('notice').map((n) => n.message)).toContainEqual(expect.stringMatching(/class:42.*any class is drawn instead/));
    // The engine goes on answering: a later grid with settings that fit is drawn as asked.
    expect(await h.engine.handle({ type: 'sample', settings: { ...link, draw: { kind: 'class', label: 2 } } })).toEqual({ status: 'done' });
    await h.engine.handle({ type: 'stopSampling' });
  });
});
