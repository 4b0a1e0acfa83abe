import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PixelCNNConfig, type SavedModel, createPixelCNN, saveModel } from '../model';
import { TINY_GATED } from '../model/testConfigs';
import type { ImageDataset, InputFile } from '../data/types';
import type { BuiltinDatasetId } from '../data/builtin';
import { useCpuBackend } from '../test/tfSetup';
import { DEFAULT_TRAIN_SETTINGS } from './settings';
import { recordingEngine } from './testEngine';

beforeAll(useCpuBackend);

/** A stand-in for the shipped digits model: a tiny gray conditional model of 3 classes with a "no class" row. */
const SHIPPED: PixelCNNConfig = { ...TINY_GATED, height: 4, width: 4, levels: 4, classes: 3, labelDropout: 0.2 };
const digits: ImageDataset = {
  width: 4,
  height: 4,
  channels: 1,
  levels: 4,
  count: 10,
  pixels: new Uint8Array(160),
  labels: Int32Array.from({ length: 10 }, (_, i) => i % 3),
  classNames: ['x', 'y', 'z'],
};

/** A fake PNG whose body says "W,H,R,G,B"; the decoder below reads it. */
function image(name: string, size: number, rgb: [number, number, number]): InputFile {
  return { name, bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(`${size},${size},${rgb.join(',')}`)]) };
}

async function decode(file: InputFile) {
  const [w, h, r, g, b] = new TextDecoder()
    .decode(file.bytes as Uint8Array)
    .slice(8)
    .split(',')
    .map(Number);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) rgba.set([r, g, b, 255], 4 * p);
  return { width: w, height: h, rgba };
}

async function shippedFile(): Promise<SavedModel> {
  const model = createPixelCNN(SHIPPED, 3);
  try {
    return await saveModel(model, { origin: 'pretrained', steps: 50, classNames: ['x', 'y', 'z'] });
  } finally {
    model.dispose();
  }
}

async function harness() {
  const shipped = await shippedFile();
  const loadPretrained = async (id?: BuiltinDatasetId) => (id === 'icons' ? null : shipped);
  const recording = recordingEngine({ loadBuiltinDigits: async () => digits, decode, loadPretrained });
  await recording.engine.handle({ type: 'init', config: SHIPPED });
  return recording;
}

describe('a start that fits dropped images', () => {
  it('gray images of the shipped size: proposes the shipped model carried to their classes, and takes it', async () => {
    const { engine, last, all } = await harness();
    const files = ['a/1.png', 'a/2.png', 'b/1.png', 'b/2.png', 'c/1.png', 'd/1.png', 'd/2.png', 'a/3.png', 'b/3.png', 'c/2.png'].map((name, i) =>
      image(name, 4, [i * 20, i * 20, i * 20]),
    );
    expect(await engine.handle({ type: 'importImages', files })).toEqual({ status: 'done' });
    const proposal = last('startProposal')!.proposal!;
    expect(proposal.start.from).toBe('digits');
    expect(proposal.start.config).toEqual({ ...SHIPPED, classes: 4 });
    expect(proposal.reasons.join(' ')).toMatch(/your 4 classes \(a, b, c, d\)/);
    // Images added to the ones in use keep the proposal as it was.
    const proposals = all('startProposal').length;
    await engine.handle({ type: 'importImages', files: [image('a/9.png', 4, [1, 1, 1])], mode: 'add' });
    expect(all('startProposal')).toHaveLength(proposals);

    const before = tf.memory().numTensors;
    expect(await engine.handle({ type: 'useStart', start: proposal.start })).toEqual({ status: 'done' });
    const model = last('model')!.model;
    expect(model.config).toEqual({ ...SHIPPED, classes: 4 });
    expect(model.classNames).toEqual(['a', 'b', 'c', 'd']);
    expect(model.origin).toBe('pretrained');
    expect(last('notice')!.message).toMatch(
      /Started from the shipped digits model with your classes \(a, b, c and d\); each starts from what the model draws when given no class/,
    );
    expect(last('startProposal')!.proposal).toBeNull();
    // It trains on the dropped images at once, which the model it replaced could not (3 classes against 4).
    expect(await engine.handle({ type: 'step', settings: DEFAULT_TRAIN_SETTINGS })).toEqual({ status: 'done' });
    expect(all('trainStep').at(-1)!.step).toBe(51);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2 * model.parameterCount);
  });

  it('colour images with no shipped colour model: proposes a new model at their size, and takes it', async () => {
    const { engine, last } = await harness();
    const files = Array.from({ length: 10 }, (_, i) => image(`${i % 2 ? 'red' : 'blue'}/${i}.png`, 4, i % 2 ? [200, 30, 30] : [30, 30, 200]));
    await engine.handle({ type: 'importImages', files });
    const proposal = last('startProposal')!.proposal!;
    expect(proposal.start.from).toBeNull();
    expect(proposal.start.config).toMatchObject({ width: 4, height: 4, colorChannels: 3, classes: 2 });
    expect(await engine.handle({ type: 'useStart', start: proposal.start })).toEqual({ status: 'done' });
    expect(last('model')!.model.config).toEqual(proposal.start.config);
    expect(last('model')!.model.classNames).toEqual(['blue', 'red']);
    expect(last('dataset')!.dataset).toMatchObject({ width: 4, height: 4, channels: 3 });
    expect(await engine.handle({ type: 'step', settings: DEFAULT_TRAIN_SETTINGS })).toEqual({ status: 'done' });
  });

  it('images without classes: the shipped model without its classes (its "no class" row folded in), and it trains', async () => {
    const { engine, last } = await harness();
    await engine.handle({ type: 'importImages', files: Array.from({ length: 10 }, (_, i) => image(`${i}.png`, 4, [i * 9, i * 9, i * 9])) });
    const proposal = last('startProposal')!.proposal!;
    expect(proposal.start).toEqual({ from: 'digits', config: { ...SHIPPED, classes: 0 } });
    expect(await engine.handle({ type: 'useStart', start: proposal.start })).toEqual({ status: 'done' });
    expect(last('model')!.model).toMatchObject({ config: { ...SHIPPED, classes: 0 }, classNames: [] });
    expect(last('notice')!.message).toBe('Started from the shipped digits model, without its classes.');
    expect(await engine.handle({ type: 'step', settings: DEFAULT_TRAIN_SETTINGS })).toEqual({ status: 'done' });
  });

  it('refuses a shipped start whose architecture is not the shipped model’s, and one for another class count', async () => {
    const { engine } = await harness();
    await engine.handle({ type: 'importImages', files: ['a/1.png', 'b/1.png'].map((name) => image(name, 4, [9, 9, 9])) });
    expect(await engine.handle({ type: 'useStart', start: { from: 'digits', config: { ...SHIPPED, hiddenChannels: 8, classes: 2 } } })).toMatchObject({
      status: 'failed',
      context: 'model',
      message: expect.stringMatching(/cannot start/),
    });
    expect(await engine.handle({ type: 'useStart', start: { from: 'digits', config: { ...SHIPPED, classes: 5 } } })).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/for 5 classes, but the images in use have 2/),
    });
  });
});
