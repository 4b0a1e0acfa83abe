import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../../model/config';
import type { PixelCNN } from '../../model/network';
import { createPixelCNN } from '../../model/pixelcnn';
import type { ImageDataset } from '../../data/types';
import { useCpuBackend } from '../../test/tfSetup';
import type { EngineEvent, LearningStrip } from '../protocol';
import { recordingEngine } from '../testEngine';
import { Trainer } from '../trainer';
import { LearningTimeline, STRIP_SEED, UNCONDITIONAL_STRIP_IMAGES } from './learningTimeline';

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  height: 4,
  width: 4,
  colorChannels: 1,
  levels: 4,
  hiddenChannels: 4,
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

const disposeLater: Array<{ dispose(): void }> = [];
afterEach(() => disposeLater.splice(0).forEach((d) => d.dispose()));

/** A timeline over `model` with a clock moved by hand, and the events it sent. */
function timelineOf(model: PixelCNN, options: { everySeconds?: number; classNames?: string[]; guidance?: number } = {}) {
  const events: EngineEvent[] = [];
  const clock = { now: 1000 };
  const slot = { steps: 0, guidance: options.guidance ?? 1, classNames: options.classNames ?? [], require: () => model };
  const timeline = new LearningTimeline({
    emit: (event) => events.push(event),
    slot,
    everySeconds: () => options.everySeconds ?? 15,
    now: () => clock.now,
  });
  const strips = () => events.flatMap((e): LearningStrip[] => (e.type === 'learningStrip' ? [e.strip] : []));
  return { timeline, events, clock, slot, strips };
}

const running = () => true;

describe('the learning timeline', () => {
  it('draws a strip before training and then every few seconds of training, each with its step and training time', async () => {
    const model = createPixelCNN(tiny, 3);
    disposeLater.push(model);
    const t = timelineOf(model);
    await t.timeline.begin(running);
    expect(t.strips()).toHaveLength(1);
    const before = t.strips()[0];
    expect(before).toMatchObject({ step: 0, elapsedMs: 0, count: UNCONDITIONAL_STRIP_IMAGES, height: 4, width: 4, channels: 1, levels: 4 });
    expect(before.captions).toBeNull();
    expect(before.pixels).toHaveLength(UNCONDITIONAL_STRIP_IMAGES * 16);
    expect(Math.max(...before.pixels)).toBeLessThan(4);

    t.slot.steps = 5;
    t.clock.now += 14_000;
    expect(await t.timeline.afterStep(running)).toBe(false);
    t.clock.now += 1_000;
    expect(await t.timeline.afterStep(running)).toBe(true);
    expect(t.strips().map((s) => [s.step, s.elapsedMs])).toEqual([
      [0, 0],
      [5, 15_000],
    ]);

    // A pause stops the clock: time away from training does not count.
    t.timeline.end();
    t.clock.now += 60_000;
    await t.timeline.begin(running);
    expect(t.strips()).toHaveLength(2);
    t.slot.steps = 9;
    t.clock.now += 15_000;
    await t.timeline.afterStep(running);
    expect(t.strips().map((s) => [s.step, s.elapsedMs])).toEqual([
      [0, 0],
      [5, 15_000],
      [9, 30_000],
    ]);
    expect(t.events.filter((e) => e.type !== 'learningStrip')).toEqual([]);
  });

  it('draws the same images from the same weights (a fixed seed), and other images once the weights change, leaking no tensor', async () => {
    const model = createPixelCNN(tiny, 4);
    const trainer = new Trainer(model, { learningRate: 0.05, batchSize: 4 });
    disposeLater.push(model, trainer);
    const t = timelineOf(model);
    const tensors = tf.memory().numTensors;
    await t.timeline.begin(running);
    t.timeline.reset();
    await t.timeline.begin(running);
    expect(tf.memory().numTensors).toBe(tensors);
    const [first, again] = t.strips();
    expect(again.timeline).toBe(first.timeline + 1);
    expect(again.pixels).toEqual(first.pixels);

    const batch = tf.tensor4d(
      Int32Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 3 : 0)),
      [4, 4, 4, 1],
      'int32',
    );
    for (let i = 0; i < 5; i++) await trainer.step(batch);
    batch.dispose();
    const afterTraining = tf.memory().numTensors;
    t.timeline.reset();
    await t.timeline.begin(running);
    expect(tf.memory().numTensors).toBe(afterTraining);
    expect(t.strips()[2].pixels).not.toEqual(first.pixels);
  });

  it('draws one image per class of a conditional model, named, at the model’s default guidance', async () => {
    const config = { ...tiny, classes: 3, labelDropout: 0.15 };
    const model = createPixelCNN(config, 5);
    disposeLater.push(model);
    const seen: Array<{ seed: number; labels?: Int32Array; guidance?: number }> = [];
    const events: EngineEvent[] = [];
    const timeline = new LearningTimeline({
      emit: (event) => events.push(event),
      slot: { steps: 0, guidance: 2.5, classNames: ['cat', 'dog', 'owl'], require: () => model },
      everySeconds: () => 15,
      sampler: async (_model, options) => {
        seen.push({ seed: options.seed, labels: options.labels, guidance: options.guidance });
        return { pixels: new Int32Array(options.count * 16), completed: 16 };
      },
    });
    await timeline.begin(running);
    expect(seen).toEqual([{ seed: STRIP_SEED, labels: Int32Array.from([0, 1, 2]), guidance: 2.5 }]);
    const strip = events.find((e) => e.type === 'learningStrip')!;
    expect(strip.type === 'learningStrip' && strip.strip.captions).toEqual(['cat', 'dog', 'owl']);
    expect(strip.type === 'learningStrip' && strip.strip.guidance).toBe(2.5);
  });

  it('keeps strips at least ten drawing times apart, so a slow strip never takes more than a tenth of training', async () => {
    const model = createPixelCNN(tiny, 7);
    disposeLater.push(model);
    const events: EngineEvent[] = [];
    let clock = 0;
    const timeline = new LearningTimeline({
      emit: (event) => events.push(event),
      slot: { steps: 0, guidance: 1, classNames: [], require: () => model },
      everySeconds: () => 15,
      now: () => clock,
      // Every strip takes 3 s of the clock to draw.
      sampler: async (_model, options) => {
        clock += 3000;
        return { pixels: new Int32Array(options.count * 16), completed: 16 };
      },
    });
    await timeline.begin(running);
    const due: boolean[] = [];
    for (const at of [15_000, 29_000, 30_000]) {
      clock = at;
      due.push(await timeline.afterStep(running));
    }
    expect(due).toEqual([false, false, true]);
  });

  it('sends no strip cut short by a pause, none when set to 0 seconds, and reports a failure once without stopping training', async () => {
    const model = createPixelCNN(tiny, 6);
    disposeLater.push(model);
    const paused = timelineOf(model);
    await paused.timeline.begin(() => false);
    expect(paused.events).toEqual([]);

    const off = timelineOf(model, { everySeconds: 0 });
    await off.timeline.begin(running);
    off.clock.now += 100_000;
    await off.timeline.afterStep(running);
    expect(off.events).toEqual([]);

    const events: EngineEvent[] = [];
    const failing = new LearningTimeline({
      emit: (event) => events.push(event),
      slot: { steps: 0, guidance: 1, classNames: [], require: () => model },
      everySeconds: () => 1,
      now: () => events.length * 10_000,
      sampler: async () => {
        throw new Error('the kernels are missing');
      },
    });
    await failing.begin(running);
    await failing.afterStep(running);
    expect(events).toEqual([{ type: 'error', context: 'training', message: 'The learning timeline stopped drawing: the kernels are missing' }]);
  });
});

describe('the learning timeline in the engine', () => {
  it('sends the strip of the weights before training, a new timeline after a new model, and leaves the Sampling panel’s grid drawing', async () => {
    const images: ImageDataset = {
      width: 4,
      height: 4,
      channels: 1,
      levels: 4,
      count: 20,
      pixels: Uint8Array.from({ length: 320 }, (_, i) => (i % 5 === 0 ? 3 : 0)),
    };
    const h = recordingEngine({ loadBuiltinDigits: async () => images });
    await h.engine.handle({ type: 'init', config: tiny });
    const settings = { learningRate: 0.01, batchSize: 4 };
    expect(await h.engine.handle({ type: 'train', settings })).toEqual({ status: 'done' });
    for (let i = 0; i < 400 && !h.last('trainStep'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await h.engine.handle({ type: 'pause' })).toEqual({ status: 'done' });
    const kinds = h.events.map((e) => e.type);
    expect(kinds.indexOf('learningStrip')).toBeGreaterThan(kinds.indexOf('training'));
    expect(kinds.indexOf('learningStrip')).toBeLessThan(kinds.indexOf('trainStep'));
    expect(h.all('learningStrip').map((e) => e.strip.step)).toEqual([0]);
    expect(h.all('sampleStart')).toEqual([]);

    // A new model: a new timeline, whose first strip is drawn while the Sampling panel's grid is drawing.
    expect(await h.engine.handle({ type: 'setConfig', config: { ...tiny, hiddenChannels: 6 } })).toEqual({ status: 'done' });
    await h.engine.handle({ type: 'sample', settings: { count: 2, temperature: 1, seed: 5, delayMs: 60, draw: { kind: 'any' } } });
    await h.engine.handle({ type: 'train', settings });
    for (let i = 0; i < 1000 && !h.last('sampleDone'); i++) await new Promise((r) => setTimeout(r, 5));
    await h.engine.handle({ type: 'pause' });
    const [first, second] = h.all('learningStrip').map((e) => e.strip);
    expect([second.step, second.timeline]).toEqual([0, first.timeline + 1]);
    // The grid was neither restarted nor stopped by the strip, and finished after it.
    expect(h.all('sampleStart')).toHaveLength(1);
    expect(h.last('sampleDone')).toMatchObject({ completed: 16, stopped: false });
    const kindsNow = h.events.map((e) => e.type);
    expect(kindsNow.lastIndexOf('learningStrip')).toBeLessThan(kindsNow.indexOf('sampleDone'));
  });
});
