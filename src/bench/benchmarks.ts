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
  /**
   * The same incremental sampler with its products in plain JavaScript instead of the WebAssembly SIMD
   * kernels, batch ms (one run after an untimed one), where it was timed; null elsewhere.
   */
  javascriptBatchMs: number | null;
  /** The same sampler with classifier-free guidance (weight 2: the network on twice the images), batch ms, median. */
  guidedBatchMs: number;
  /** guidedBatchMs ÷ the unguided batch, timed side by side. */
  guidedOverUnguided: number;
}

export interface TrainRow {
  batch: number;
  maskedKernelMs: number;
  /** null where plain conv2d cannot train (wasm) or was not timed (the slow CPU backend). */
  conv2dMs: number | null;
  speedup: number | null;
  stepsPerSecond: number;
}

export const SAMPLE_BATCH = 16;
export const TRAIN_BATCH = 8;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A run slower than this (a software GPU takes a minute for one forward pass)
 * is timed once after its warm-up, not as a median of several, and the
 * reference sampler times 2 steps: the full bench then fits in about half an
 * hour on a machine without a GPU.
 */
const SLOW_RUN_MS = 10_000;

async function timeIt(run: () => Promise<void>, repeats: number): Promise<number> {
  const warmUp = performance.now();
  await run(); // warm-up: shader compilation, buffer pools
  if (performance.now() - warmUp > SLOW_RUN_MS) repeats = 1;
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

/** One label per image, cycling through the classes, for a conditional model; none for an unconditional one. */
function labelValues(config: PixelCNNConfig, batch: number): Int32Array | undefined {
  return config.classes > 0 ? Int32Array.from({ length: batch }, (_, i) => i % config.classes) : undefined;
}

function labelTensor(config: PixelCNNConfig, batch: number): tf.Tensor1D | undefined {
  const values = labelValues(config, batch);
  return values && tf.tensor1d(values, 'int32');
}

export async function benchSampling(size: number, fullSteps: number, log: (line: string) => void, compareJavaScript = false): Promise<SamplingRow> {
  const config: PixelCNNConfig = { ...DEFAULT_CONFIG, height: size, width: size, colorChannels: 1 };
  const model = createPixelCNN(config, 1);
  const images = randomImages(config, SAMPLE_BATCH, 2);
  const labels = labelTensor(config, SAMPLE_BATCH);
  const sampleLabels = labelValues(config, SAMPLE_BATCH);

  const forwardMs = await timeIt(async () => {
    const total = tf.tidy(() => model.logits(images, labels).sum());
    await total.data();
    total.dispose();
  }, 3);
  log(`  ${size}×${size}: forward of ${SAMPLE_BATCH} images ${forwardMs.toFixed(1)} ms`);

  // The reference sampler costs the same for every step, so time a few steps of it and extrapolate.
  const perImage = size * size * config.colorChannels;
  const stepsTimed = Math.min(forwardMs > SLOW_RUN_MS ? 2 : fullSteps, perImage);
  const stepTimes: number[] = [];
  let last = 0;
  await sampleFullRecompute(model, {
    count: SAMPLE_BATCH,
    seed: 3,
    temperature: 1,
    labels: sampleLabels,
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

  // Timed as the forward pass is: one untimed run first (it compiles the sampler's JavaScript), then the median of 3.
  let seed = 4;
  const incrementalBatchMs = await timeIt(async () => {
    await sampleIncremental(model, { count: SAMPLE_BATCH, seed: seed++, temperature: 1, labels: sampleLabels });
  }, 3);
  const incrementalMsPerImage = incrementalBatchMs / SAMPLE_BATCH;
  log(`  ${size}×${size}: incremental batch of ${SAMPLE_BATCH} ${incrementalBatchMs.toFixed(1)} ms`);
  // Guided (the default model has a "no class" row), timed the same way right after.
  const guidedBatchMs = await timeIt(async () => {
    await sampleIncremental(model, { count: SAMPLE_BATCH, seed: seed++, temperature: 1, labels: sampleLabels, guidance: 2 });
  }, 3);
  log(`  ${size}×${size}: guided batch of ${SAMPLE_BATCH} ${guidedBatchMs.toFixed(1)} ms (${(guidedBatchMs / incrementalBatchMs).toFixed(2)}× unguided)`);

  // Side by side, the kernels against the plain-JavaScript arithmetic of the same sampler (many times slower: timed once).
  let javascriptBatchMs: number | null = null;
  if (compareJavaScript) {
    javascriptBatchMs = await timeIt(async () => {
      await sampleIncremental(model, { count: SAMPLE_BATCH, seed: seed++, temperature: 1, labels: sampleLabels }, 'javascript');
    }, 1);
    log(
      `  ${size}×${size}: incremental batch in plain JavaScript ${javascriptBatchMs.toFixed(1)} ms (${(javascriptBatchMs / incrementalBatchMs).toFixed(1)}× the SIMD kernels)`,
    );
  }

  images.dispose();
  labels?.dispose();
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
    javascriptBatchMs,
    guidedBatchMs,
    guidedOverUnguided: guidedBatchMs / incrementalBatchMs,
  };
}

export interface TrainTiming {
  /** Median wall time of one optimizer step (Adam), reading the loss back. */
  medianMs: number;
  minMs: number;
  /** Median of one forward pass (logits of the batch, summed and read back). */
  forwardMs: number;
  steps: number;
}

export interface TimeTrainingOptions {
  /** Timed optimizer steps. */
  steps: number;
  batch?: number;
  config?: PixelCNNConfig;
  /**
   * Untimed training steps before timing (the first creates the optimizer's
   * slots); with any, also an untimed forward pass. Default 1.
   */
  warmUpSteps?: number;
  /** Called with the forward time as soon as it is known, before training (which may throw). */
  onForward?: (forwardMs: number) => void;
}

/**
 * Times training steps of the default network: `convolution` 'open-taps' is
 * the model's masked-convolution op, 'reference' plain conv2d on weight × mask
 * with tfjs's own gradients. Throws when the backend cannot train that path
 * (tfjs-backend-wasm has no Conv2DBackpropFilter, so 'reference' fails there).
 */
export async function timeTraining(convolution: 'open-taps' | 'reference', options: TimeTrainingOptions): Promise<TrainTiming> {
  const { steps, batch = TRAIN_BATCH, config = DEFAULT_CONFIG, warmUpSteps = 1 } = options;
  const model = createPixelCNN(config, 1, { convolution });
  const optimizer = tf.train.adam(1e-3);
  const images = randomImages(config, batch, 5);
  const labels = labelTensor(config, batch);
  try {
    const forward = async () => {
      const total = tf.tidy(() => model.logits(images, labels).sum());
      await total.data();
      total.dispose();
    };
    const step = async () => {
      const loss = model.trainStep(images, optimizer, labels);
      await loss.data();
      loss.dispose();
    };
    // Shader compilation, buffer pools, the optimizer's slots, and on wasm V8
    // tiering the kernels up from its baseline compiler. A path that cannot
    // train still gets its forward pass timed before the error is passed on.
    if (warmUpSteps > 0) await forward();
    let trainError: unknown;
    let slow = false;
    try {
      for (let i = 0; i < warmUpSteps; i++) {
        const start = performance.now();
        await step();
        slow = performance.now() - start > SLOW_RUN_MS;
      }
    } catch (e) {
      trainError = e ?? new Error('training failed');
    }
    const timedSteps = slow ? 1 : steps;
    const forwardTimes: number[] = [];
    for (let i = 0; i < Math.max(1, Math.min(timedSteps, 5)); i++) {
      const start = performance.now();
      await forward();
      forwardTimes.push(performance.now() - start);
    }
    const forwardMs = median(forwardTimes);
    options.onForward?.(forwardMs);
    if (trainError !== undefined) throw trainError;
    const times: number[] = [];
    for (let i = 0; i < timedSteps; i++) {
      const start = performance.now();
      await step();
      times.push(performance.now() - start);
    }
    return { medianMs: median(times), minMs: Math.min(...times), forwardMs, steps: timedSteps };
  } finally {
    images.dispose();
    labels?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** Training steps of the default network on a batch of 8: the masked-convolution op, then plain conv2d. */
/**
 * Training steps of the default network on a batch of 8: the masked-convolution
 * op against plain conv2d on weights × mask. `reference: false` skips conv2d
 * where it cannot train (wasm has no Conv2DBackpropFilter) or would take
 * minutes per step (the plain-JavaScript CPU backend).
 */
export async function benchTraining(steps: number, log: (line: string) => void, reference: boolean): Promise<TrainRow> {
  const masked = await timeTraining('open-taps', { steps });
  log(`  training step (batch ${TRAIN_BATCH}, masked-convolution op): ${masked.medianMs.toFixed(1)} ms`);
  let conv2dMs: number | null = null;
  if (reference) {
    conv2dMs = (await timeTraining('reference', { steps })).medianMs;
    log(`  training step (batch ${TRAIN_BATCH}, conv2d on weights × mask): ${conv2dMs.toFixed(1)} ms`);
  } else {
    log('  training step with plain conv2d: not measured on this backend');
  }
  return {
    batch: TRAIN_BATCH,
    maskedKernelMs: masked.medianMs,
    conv2dMs,
    speedup: conv2dMs === null ? null : conv2dMs / masked.medianMs,
    stepsPerSecond: 1000 / masked.medianMs,
  };
}

/** Change in live tensors over 200 training steps and over 5 sampled images, on a small model so it finishes. */
export async function benchLeaks(): Promise<{ train: number; sample: number; model: PixelCNNConfig }> {
  const config: PixelCNNConfig = {
    height: 8,
    width: 8,
    colorChannels: 1,
    levels: 256,
    hiddenChannels: 8,
    layers: 2,
    kernelSize: 7,
    headChannels: 0,
    inputEmbedding: 0,
    architecture: 'pixelcnn',
    firstKernelSize: 7,
    position: false,
    classes: 0,
    labelDropout: 0,
  };
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
