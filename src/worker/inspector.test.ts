import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import type { ImageDataset } from '../data/types';
import { useCpuBackend } from '../test/tfSetup';
import { recordingEngine } from './testEngine';

/**
 * The engine's side of the inspection views: the live belief while a grid is
 * drawn, a drawn pixel looked at afterwards, and the held-out ranking running
 * beside training.
 */

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  height: 4,
  width: 4,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 6,
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

/** 1,000 fake 28×28 "digits": a bright square whose position varies (100 of them held out, two chunks of the ranking at 4×4). */
function fakeDigits(): ImageDataset {
  const count = 1000;
  const pixels = new Uint8Array(count * 784);
  for (let n = 0; n < count; n++) {
    for (let y = 4 + (n % 5); y < 14 + (n % 7); y++) for (let x = 8 - (n % 3); x < 18; x++) pixels[n * 784 + y * 28 + x] = 255;
  }
  return { width: 28, height: 28, channels: 1, levels: 256, count, pixels };
}

function harness() {
  const { engine, events, all } = recordingEngine({ loadBuiltinDigits: async () => fakeDigits() });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 4000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(done()).toBe(true);
  };
  return { engine, events, all, until };
}

describe('the inspector', () => {
  it('follows every sub-pixel of the chosen image in slow motion; a drawn pixel looked at again has the distribution it was drawn from', async () => {
    const { engine, all, until } = harness();
    await engine.handle({ type: 'init', config: tiny });
    await engine.handle({ type: 'sample', settings: { count: 3, temperature: 0.8, seed: 5, delayMs: 1, draw: { kind: 'any' } } });
    await engine.handle({ type: 'setBeliefImage', image: 2 });
    await until(() => all('sampleDone').length === 1);
    const live = all('sampleBelief').map((e) => e.belief);
    const followed = live.filter((b) => b.image === 2);
    // Every pixel after the switch is shown, once, in order.
    expect(followed.length).toBeGreaterThan(10);
    const positions = followed.map((b) => b.row * 4 + b.col);
    expect(positions).toEqual(Array.from({ length: followed.length }, (_, i) => 16 - followed.length + i));
    for (const b of live) {
      expect(b.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      expect(b.entropyBits[0]).toBeGreaterThanOrEqual(0);
      expect(b.entropyBits[0]).toBeLessThanOrEqual(2 + 1e-6);
    }

    const at = followed[5];
    await engine.handle({ type: 'inspect', target: { kind: 'sample', image: 2 }, pixel: { row: at.row, col: at.col }, field: true });
    const inspection = all('inspection').at(-1)!.inspection;
    expect(inspection.belief!.temperature).toBe(0.8);
    expect(inspection.belief!.values).toEqual(at.values);
    for (let v = 0; v < 4; v++) expect(Math.abs(inspection.belief!.probabilities[v] - at.probabilities[v])).toBeLessThan(1e-5);
    // What the pixel depends on: nothing from itself on; the other architecture beside it.
    const first = at.row * 4 + at.col;
    expect(Array.from(inspection.field!.values.subarray(first)).every((v) => v === 0)).toBe(true);
    expect(inspection.field!.architecture).toBe('pixelcnn');
    expect(inspection.compare!.architecture).toBe('gated');
    expect(inspection.bits.reduce((s, b) => s + b, 0) / 16).toBeCloseTo(inspection.bitsPerDim, 5);
    expect(inspection.pixels[first]).toBe(at.values[0]);
    // The other architecture's model is built on the first look with a field and kept; looking again leaves no tensors behind.
    const before = tf.memory().numTensors;
    await engine.handle({ type: 'inspect', target: { kind: 'sample', image: 2 }, pixel: { row: 0, col: 1 }, field: false });
    expect(all('inspection').at(-1)!.inspection.field).toBeNull();
    await engine.handle({ type: 'inspect', target: { kind: 'sample', image: 1 }, pixel: { row: 3, col: 3 }, field: true });
    expect(all('inspection').at(-1)!.inspection.compare).not.toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ranks the held-out images in chunks while training runs, and looks at one of them', async () => {
    const { engine, events, all, until } = harness();
    await engine.handle({ type: 'init', config: tiny });
    // No learning timeline: its first strip, drawn before the first step, would let the two chunks pass before any step.
    await engine.handle({ type: 'train', settings: { learningRate: 0.01, batchSize: 4, stripEverySeconds: 0 } });
    await engine.handle({ type: 'rankHeldOut' });
    await until(() => all('ranking').length === 1);
    await engine.handle({ type: 'pause' });
    const progress = all('rankProgress');
    expect(progress.at(-1)).toMatchObject({ done: 100, total: 100 });
    // Training went on while the ranking ran.
    const firstProgress = events.indexOf(progress[0]);
    const lastProgress = events.indexOf(progress.at(-1)!);
    expect(events.slice(firstProgress, lastProgress).some((e) => e.type === 'trainStep')).toBe(true);
    const { ranking } = all('ranking')[0];
    expect(ranking.ranked).toBe(100);
    expect(ranking.typical).toHaveLength(6);
    expect(ranking.unusual).toHaveLength(6);
    const scores = [...ranking.typical, ...ranking.unusual.slice().reverse()].map((r) => r.bitsPerDim);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(ranking.typical[0].pixels).toHaveLength(16);

    const index = ranking.unusual[0].index;
    await engine.handle({ type: 'inspect', target: { kind: 'test', index }, pixel: null, field: false });
    const inspection = all('inspection').at(-1)!.inspection;
    expect(inspection.target).toEqual({ kind: 'test', index });
    expect(inspection.known).toBe(16);
    expect(inspection.bitsPerDim).toBeGreaterThan(0);
  });

  it('names what is wrong: nothing drawn yet, a pixel outside the image', async () => {
    const { engine } = harness();
    await engine.handle({ type: 'init', config: tiny });
    expect(await engine.handle({ type: 'inspect', target: { kind: 'sample', image: 0 }, pixel: { row: 0, col: 0 }, field: false })).toEqual({
      status: 'failed',
      context: 'sampling',
      message: 'Nothing has been drawn yet: press Sample first.',
    });
    expect(await engine.handle({ type: 'inspect', target: { kind: 'test', index: 0 }, pixel: { row: 9, col: 0 }, field: false })).toEqual({
      status: 'failed',
      context: 'dataset',
      message: 'Pixel (9, 0) is outside the 4×4 image.',
    });
  });
});
