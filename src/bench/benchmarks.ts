import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type PixelCNNConfig, createPixelCNN, sampleFullRecompute, sampleIncremental } from '../model';

/**
 * The measurements behind `npm run bench`. Pure tfjs and plain timing, so
 * they run the same in the bench worker as they would under Node. Every
 * figure is a median of repeated runs; the caller prints them.
 */
export interface SamplingRow {
  size: number;
  /** One full-recompute step (a forward pass of the batch plus reading one sub-pixel's logits), median. */
  fullStepMs: number;
  /** How many full-recompute steps were timed; the per-image cost is extrapolated from them. */
  fullStepsTimed: number;
  /** fullStepMs × sub-pixels per image ÷ batch: the reference sampler's cost per image. */
  fullMsPerImage: number;
  /** The incremental sampler's wall time for the whole batch ÷ batch. */
  incrementalMsPerImage: number;
  speedup: number;
  /** One forward pass of the whole batch, median. */
  forwardMs: number;
  /** Incremental sampling of the whole batch ÷ one forward pass of it. */
  samplingOverForward: number;
}

export interface TrainRow {
  batch: number;
  maskedKernelMs: number;
  conv2dMs: number;
  speedup: number;
  stepsPerSecond: number;
}

export const SAMPLE_BATCH = 16;
export const TRAIN_BATCH = 8;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeIt(run: () => Promise<void>, repeats: number): Promise<number> {
  await run(); // warm-up: shader compilation, buffer pools
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

function randomImages(config: PixelCNNConfig, batch: number, seed: number): tf.Tensor4D {
  return tf.randomUniformInt([batch, config.height, config.width, config.colorChannels], 0, config.levels, seed) as tf.Tensor4D;
}

export async function benchSampling(size: number, fullSteps: number, log: (line: string) => void): Promise<SamplingRow> {
  const config: PixelCNNConfig = { ...DEFAULT_CONFIG, height: size, width: size, colorChannels: 1 };
  const model = createPixelCNN(config, 1);
  const images = randomImages(config, SAMPLE_BATCH, 2);

  const forwardMs = await timeIt(async () => {
    const total = tf.tidy(() => model.logits(images).sum());
    await total.data();
    total.dispose();
  }, 3);
  log(`  ${size}×${size}: forward of ${SAMPLE_BATCH} images ${forwardMs.toFixed(1)} ms`);

  // The reference sampler costs the same for every step, so time a few steps of it and extrapolate.
  const perImage = size * size * config.colorChannels;
  const stepsTimed = Math.min(fullSteps, perImage);
  const stepTimes: number[] = [];
  let last = 0;
  await sampleFullRecompute(model, {
    count: SAMPLE_BATCH,
    seed: 3,
    temperature: 1,
    shouldStop: () => stepTimes.length >= stepsTimed + 1,
    onSubPixel: () => {
      const now = performance.now();
      if (last) stepTimes.push(now - last);
      last = now;
    },
  });
  const fullStepMs = median(stepTimes);
  const fullMsPerImage = (fullStepMs * perImage) / SAMPLE_BATCH;
  log(`  ${size}×${size}: full-recompute step ${fullStepMs.toFixed(1)} ms (median of ${stepTimes.length})`);

  const incrementalTimes: number[] = [];
  for (let run = 0; run < 2; run++) {
    const start = performance.now();
    await sampleIncremental(model, { count: SAMPLE_BATCH, seed: 4 + run, temperature: 1 });
    incrementalTimes.push(performance.now() - start);
  }
  const incrementalBatchMs = median(incrementalTimes);
  const incrementalMsPerImage = incrementalBatchMs / SAMPLE_BATCH;
  log(`  ${size}×${size}: incremental batch of ${SAMPLE_BATCH} ${incrementalBatchMs.toFixed(1)} ms`);

  images.dispose();
  model.dispose();
  return {
    size,
    fullStepMs,
    fullStepsTimed: stepTimes.length,
    fullMsPerImage,
    incrementalMsPerImage,
    speedup: fullMsPerImage / incrementalMsPerImage,
    forwardMs,
    samplingOverForward: incrementalBatchMs / forwardMs,
  };
}

/** Training steps of the default network on a batch of 8; the masked-kernel path arrives with its own issue. */
export async function benchTraining(steps: number, log: (line: string) => void): Promise<TrainRow> {
  const model = createPixelCNN(DEFAULT_CONFIG, 1);
  const optimizer = tf.train.adam(1e-3);
  const images = randomImages(DEFAULT_CONFIG, TRAIN_BATCH, 5);
  const conv2dMs = await timeIt(async () => {
    const loss = model.trainStep(images, optimizer);
    await loss.data();
    loss.dispose();
  }, steps);
  log(`  training step (batch ${TRAIN_BATCH}, conv2d on weights × mask): ${conv2dMs.toFixed(1)} ms`);
  images.dispose();
  optimizer.dispose();
  model.dispose();
  return { batch: TRAIN_BATCH, maskedKernelMs: conv2dMs, conv2dMs, speedup: 1, stepsPerSecond: 1000 / conv2dMs };
}

/** Change in live tensors over 200 training steps and over 5 sampled images, on a small model so it finishes. */
export async function benchLeaks(): Promise<{ train: number; sample: number; model: PixelCNNConfig }> {
  const config: PixelCNNConfig = { height: 8, width: 8, colorChannels: 1, levels: 256, hiddenChannels: 8, layers: 2, kernelSize: 7 };
  const model = createPixelCNN(config, 1);
  const optimizer = tf.train.adam(1e-3);
  const images = randomImages(config, 4, 6);
  const step = async () => {
    const loss = model.trainStep(images, optimizer);
    await loss.data();
    loss.dispose();
  };
  await step(); // the optimizer creates its slots on the first step
  const beforeTrain = tf.memory().numTensors;
  for (let i = 0; i < 200; i++) await step();
  const train = tf.memory().numTensors - beforeTrain;
  const beforeSample = tf.memory().numTensors;
  await sampleIncremental(model, { count: 5, seed: 1, temperature: 1 });
  const sample = tf.memory().numTensors - beforeSample;
  images.dispose();
  optimizer.dispose();
  model.dispose();
  return { train, sample, model: config };
}
