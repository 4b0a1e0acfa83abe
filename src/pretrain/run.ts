/**
 * The pretraining loop: the project's own model and loss, trained on the
 * app's training split of MNIST with Adam, checkpointed so it can be stopped
 * and resumed. Node-only in practice (the caller reads and writes files), but
 * nothing here touches the file system: the caller passes the data and gets
 * checkpoints through hooks.
 */
import * as tf from '@tensorflow/tfjs';
import { createPixelCNN, type PixelCNN } from '../model/pixelcnn';
import { noClassLabel } from '../model/config';
import { evaluateBitsPerDim } from '../model/evaluate';
import { selectImages } from '../data/split';
import type { ImageDataset } from '../data/types';
import { KernelTrainer, kernelTrainingUnsupported } from '../model/simd/training/kernelTrainer';
import { type Checkpoint, checkpointMoments, makeCheckpoint, makeKernelCheckpoint, restoreCheckpoint, settingsDiffer, CheckpointError } from './checkpoint';
import { type GradientHelper, type ShareGradient, applyShares, combineShares, shareGradient, splitShares } from './gradients';
import { type PretrainSettings, batchIndices, dropLabels, learningRateAt } from './schedule';

export interface Progress {
  step: number;
  steps: number;
  /** Mean bits/dim of the last few batches. */
  trainBits: number;
  /** The latest estimate on a slice of the held-out images, when one has been made. */
  heldOutBits?: number;
  learningRate: number;
  elapsedSeconds: number;
  /** From this run's own pace, not counting time before a resume. */
  secondsLeft: number;
}

export interface PretrainHooks {
  onProgress(progress: Progress): void;
  /** Called every `checkpointEvery` steps and when stopping; the caller writes it somewhere safe. */
  onCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Polled between steps; true ends the run after a checkpoint. */
  shouldStop(): boolean;
}

export interface PretrainRun {
  settings: PretrainSettings;
  train: ImageDataset;
  test: ImageDataset;
  resumeFrom?: Checkpoint;
  checkpointEvery: number;
  /** Steps between held-out estimates, each on `estimateImages` held-out images. */
  estimateEvery: number;
  estimateImages: number;
  /**
   * Other tfjs instances (e.g. worker threads on other cores) that each take
   * an equal share of every batch. None: this instance trains alone.
   */
  helpers?: GradientHelper[];
  /**
   * 'kernels': the steps run on the project's own SIMD kernels
   * (src/model/simd/training); 'tfjs': tfjs ops. Default: the kernels on the
   * wasm backend when they can train the model, else tfjs.
   */
  arithmetic?: 'kernels' | 'tfjs';
}

export interface PretrainOutcome {
  model: PixelCNN;
  /** False when shouldStop ended the run early. */
  finished: boolean;
  step: number;
  trainBits: number[];
  elapsedSeconds: number;
}

const RUNNING_MEAN = 50;

export async function pretrain(run: PretrainRun, hooks: PretrainHooks): Promise<PretrainOutcome> {
  const { settings, train, test } = run;
  const { height, width, colorChannels } = settings.config;
  if (train.width !== width || train.height !== height || train.channels !== colorChannels || train.levels !== settings.config.levels) {
    throw new RangeError(`The training images (${train.width}×${train.height}×${train.channels}, ${train.levels} levels) do not fit the model.`);
  }
  const model = createPixelCNN(settings.config, settings.seed);
  // Adam's learning rate is read on every step; the schedule sets it before each one.
  const optimizer = tf.train.adam(settings.peakLearningRate);
  const adjustable = optimizer as unknown as { learningRate: number };

  let step = 0;
  let elapsedBefore = 0;
  const trainBits: number[] = [];
  if (run.resumeFrom) {
    const difference = settingsDiffer(settings, run.resumeFrom.settings);
    if (difference) throw new CheckpointError(`the checkpoint was made with other settings: ${difference}`);
    await restoreCheckpoint(run.resumeFrom, model, optimizer);
    step = run.resumeFrom.step;
    elapsedBefore = run.resumeFrom.elapsedSeconds;
    trainBits.push(...run.resumeFrom.trainBits);
  }

  const onKernels = run.arithmetic ? run.arithmetic === 'kernels' : tf.getBackend() === 'wasm' && kernelTrainingUnsupported(model) === null;
  // The kernel trainer holds the weights while it trains; they go to the model before it is scored or saved.
  const kernels = onKernels ? await KernelTrainer.create(model) : null;
  const resumedMoments = kernels && run.resumeFrom ? checkpointMoments(run.resumeFrom) : null;
  if (kernels && resumedMoments) kernels.loadOptimizerState(resumedMoments);

  const started = performance.now();
  const startStep = step;
  const elapsed = (): number => elapsedBefore + (performance.now() - started) / 1000;
  const checkpoint = async (): Promise<void> => {
    const progress = { step, elapsedSeconds: elapsed(), trainBits };
    await hooks.onCheckpoint(
      kernels ? await makeKernelCheckpoint(model, kernels, settings, progress) : await makeCheckpoint(model, optimizer, settings, progress),
    );
  };
  const estimateCount = Math.min(run.estimateImages, test.count);
  const helpers = run.helpers ?? [];
  const imageSize = height * width * colorChannels;

  const conditional = settings.config.classes > 0;
  if (conditional && !(train.labels && test.labels)) throw new RangeError('A conditional model needs labelled training and held-out images.');

  /** One optimizer step on `pixels` (a whole batch, with its labels for a conditional model); returns its bits/dim before the step. */
  async function trainOn(pixels: Int32Array, labels: Int32Array | undefined): Promise<number> {
    if (kernels) return trainOnKernels(kernels, pixels, labels);
    if (helpers.length === 0) {
      const batch = tf.tensor4d(pixels, [settings.batchSize, height, width, colorChannels], 'int32');
      const labelTensor = labels ? tf.tensor1d(labels, 'int32') : undefined;
      const loss = model.trainStep(batch, optimizer, labelTensor);
      batch.dispose();
      labelTensor?.dispose();
      const bits = (await loss.data())[0];
      loss.dispose();
      return bits;
    }
    const [[start, end], ...others] = splitShares(settings.batchSize, helpers.length + 1);
    const weights = await Promise.all(model.variables.map(async (v) => (await v.data()) as Float32Array));
    // Posted before the local share starts, so the helpers work while this thread does.
    const remote = others.map(([from, to], i) =>
      helpers[i].shareGradient(weights, pixels.slice(from * imageSize, to * imageSize), to - from, labels?.slice(from, to)),
    );
    const local = await shareGradient(model, pixels.subarray(start * imageSize, end * imageSize), end - start, labels?.subarray(start, end));
    return applyShares(model, optimizer, [local, ...(await Promise.all(remote))]);
  }
  /** trainOn with the kernel trainer: its own share and Adam's step (at the schedule's rate). */
  async function trainOnKernels(trainer: KernelTrainer, pixels: Int32Array, labels: Int32Array | undefined): Promise<number> {
    const learningRate = adjustable.learningRate;
    if (helpers.length === 0) return trainer.step(pixels, settings.batchSize, labels, learningRate);
    const [[start, end], ...others] = splitShares(settings.batchSize, helpers.length + 1);
    const weights = trainer.weights();
    const remote = others.map(([from, to], i) =>
      helpers[i].shareGradient(weights, pixels.slice(from * imageSize, to * imageSize), to - from, labels?.slice(from, to)),
    );
    const local: ShareGradient = {
      count: end - start,
      ...trainer.gradients(pixels.subarray(start * imageSize, end * imageSize), end - start, labels?.subarray(start, end)),
    };
    const { gradients, bits } = combineShares([local, ...(await Promise.all(remote))]);
    trainer.applyGradients(gradients, learningRate);
    return bits;
  }
  let heldOutBits: number | undefined;

  try {
    while (step < settings.steps) {
      if (hooks.shouldStop()) {
        await checkpoint();
        return { model, finished: false, step, trainBits, elapsedSeconds: elapsed() };
      }
      adjustable.learningRate = learningRateAt(step, settings);
      const images = selectImages(train, batchIndices(step, train.count, settings.batchSize, settings.seed));
      const noClass = noClassLabel(settings.config);
      const labels = conditional && noClass !== null ? dropLabels(images.labels!, settings.config.labelDropout, settings.seed, step, noClass) : images.labels;
      const bits = await trainOn(Int32Array.from(images.pixels), conditional ? labels : undefined);
      if (!Number.isFinite(bits)) {
        throw new Error(`the loss became ${bits} at step ${step + 1}; the last checkpoint is intact (lower the learning rate and start afresh)`);
      }
      trainBits.push(bits);
      step++;
      if (step % run.estimateEvery === 0 || step === settings.steps) {
        kernels?.writeTo(model);
        heldOutBits = await evaluateBitsPerDim(model, test.pixels, estimateCount, 16, conditional ? test.labels : undefined);
      }
      if (step % run.checkpointEvery === 0 && step < settings.steps) await checkpoint();
      const recent = trainBits.slice(-RUNNING_MEAN);
      const secondsPerStep = (performance.now() - started) / 1000 / (step - startStep);
      hooks.onProgress({
        step,
        steps: settings.steps,
        trainBits: recent.reduce((a, b) => a + b, 0) / recent.length,
        heldOutBits,
        learningRate: adjustable.learningRate,
        elapsedSeconds: elapsed(),
        secondsLeft: secondsPerStep * (settings.steps - step),
      });
    }
    await checkpoint();
    kernels?.writeTo(model);
    return { model, finished: true, step, trainBits, elapsedSeconds: elapsed() };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    kernels?.dispose();
  }
}
