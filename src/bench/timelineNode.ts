/**
 * The Node side of `node scripts/bench-timeline.mjs`: what the learning
 * timeline (worker/engine/learningTimeline.ts) costs training. Training
 * steps of the default model and strips drawn from it alternate in one run
 * on the tfjs wasm backend, so both are measured on the same machine at
 * the same moment; the share of training time follows from the strip's
 * time and the interval.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type PixelCNNConfig, createPixelCNN } from '../model';
import { modelGuidance } from '../model/guidance';
import { useNodeBackend } from '../node/backend';
import { LearningTimeline } from '../worker/engine/learningTimeline';
import type { LearningStrip } from '../worker/protocol';
import { DEFAULT_TRAIN_SETTINGS, TRAIN_SETTINGS } from '../worker/settings';
import { Trainer } from '../worker/trainer';
import { median } from './benchmarks';

export interface TimelineBench {
  backend: string;
  config: PixelCNNConfig;
  batch: number;
  /** Images in a strip, and the images the network runs on (twice as many when guided). */
  stripImages: number;
  guidance: number;
  stepMs: number;
  stripMs: number;
  /** At the default interval: the strip's share of training wall time, and the steps one strip costs. */
  everySeconds: number;
  share: number;
  stepsPerStrip: number;
  leakedTensors: number;
}

export async function benchTimeline(rounds: number, log: (line: string) => void): Promise<TimelineBench> {
  const backend = await useNodeBackend('wasm');
  const config = DEFAULT_CONFIG;
  const batch = DEFAULT_TRAIN_SETTINGS.batchSize;
  const model = createPixelCNN(config, 7);
  const trainer = new Trainer(model, DEFAULT_TRAIN_SETTINGS);
  const guidance = modelGuidance(config, undefined);
  const classNames = Array.from({ length: config.classes }, (_, i) => String(i));
  const strips: LearningStrip[] = [];
  let clock = 0;
  const timeline = new LearningTimeline({
    emit: (event) => {
      if (event.type === 'learningStrip') strips.push(event.strip);
    },
    slot: { steps: 0, guidance, classNames, require: () => model },
    everySeconds: () => 1,
    now: () => clock,
  });
  const { height, width, colorChannels, levels } = config;
  const perImage = height * width * colorChannels;
  const step = async () => {
    const pixels = Int32Array.from({ length: batch * perImage }, (_, i) => (i * 7919) % levels);
    const labels = Int32Array.from({ length: batch }, (_, i) => i % config.classes);
    const images = tf.tensor4d(pixels, [batch, height, width, colorChannels], 'int32');
    const labelTensor = tf.tensor1d(labels, 'int32');
    const started = performance.now();
    await trainer.step(images, labelTensor);
    const ms = performance.now() - started;
    tf.dispose([images, labelTensor]);
    return ms;
  };
  const strip = async () => {
    clock += 1000;
    const started = performance.now();
    await timeline.afterStep(() => true);
    return performance.now() - started;
  };
  log(`${backend}: default model, batch ${batch}; warming up…`);
  await step();
  await timeline.begin(() => true);
  const tensors = tf.memory().numTensors;
  const stepTimes: number[] = [];
  const stripTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    stepTimes.push(await step());
    stripTimes.push(await strip());
    log(`  round ${round + 1}: step ${stepTimes.at(-1)!.toFixed(0)} ms, strip ${stripTimes.at(-1)!.toFixed(0)} ms`);
  }
  const leakedTensors = tf.memory().numTensors - tensors;
  const stepMs = median(stepTimes);
  const stripMs = median(stripTimes);
  const everySeconds = TRAIN_SETTINGS.stripEverySeconds.default;
  trainer.dispose();
  model.dispose();
  return {
    backend,
    config,
    batch,
    stripImages: strips[0].count,
    guidance,
    stepMs,
    stripMs,
    everySeconds,
    share: stripMs / (everySeconds * 1000 + stripMs),
    stepsPerStrip: stripMs / stepMs,
    leakedTensors,
  };
}
