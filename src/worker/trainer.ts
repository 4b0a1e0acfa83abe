import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from '../model';
import { KernelTrainer, kernelTrainingUnsupported } from '../model/simd/training/kernelTrainer';
import type { TrainSettings } from './protocol';
import type { HelperPool } from './dataParallel/pool';
import { kernelShares, sharedStep, tfjsShares } from './dataParallel/step';

/**
 * A batch as plain arrays: `count` images and their labels; with a `pool`,
 * shared with the engine's helper workers (dataParallel/step.ts).
 */
export interface SharedBatch {
  pool?: HelperPool;
  pixels: Int32Array;
  count: number;
  labels?: Int32Array;
}

/** How a step's arithmetic runs: tfjs ops, or the project's own WebAssembly SIMD kernels (src/model/simd/training). */
export type TrainingArithmetic = 'tfjs' | 'SIMD kernels';

/**
 * Optimizer steps on one model, with a guard against divergence: it keeps a
 * copy of the last weights known to give a finite loss, and if a step's loss
 * is NaN or infinite it puts those weights back and reports the failure.
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  /** What went wrong, as a phrase ("the loss became NaN"), for a message that goes on to say what was done about it. */
  readonly problem: string;

  constructor(message: string, problem: string) {
    super(message);
    this.problem = problem;
  }
}

/** Whether the engine's steps for `model` run on the SIMD kernels on the current backend (`kernelBackends`, default wasm). */
export function trainsOnKernels(model: PixelCNN, kernelBackends: readonly string[] = ['wasm']): boolean {
  return kernelBackends.includes(tf.getBackend()) && kernelTrainingUnsupported(model) === null;
}

export interface TrainerOptions {
  /** Backends on which the SIMD kernel trainer takes the steps when it can train the model (default: wasm). */
  kernelBackends?: readonly string[];
}

export class Trainer {
  private optimizer: tf.Optimizer;
  private learningRate: number;
  /** Weights that produced a finite loss: the state to return to if training diverges. */
  private lastGood: tf.Tensor[] | null = null;
  /**
   * The kernel trainer, made at the first step on a kernel backend. It keeps
   * its own copy of the weights and Adam's moments, and writes the weights to
   * the model after every step.
   */
  private kernels: KernelTrainer | null = null;
  private readonly kernelBackends: readonly string[];

  constructor(
    private readonly model: PixelCNN,
    settings: TrainSettings,
    public steps = 0,
    options: TrainerOptions = {},
  ) {
    this.learningRate = settings.learningRate;
    this.optimizer = tf.train.adam(this.learningRate);
    this.kernelBackends = options.kernelBackends ?? ['wasm'];
  }

  /** Why the next step will not run on the SIMD kernels, or null when it will. */
  kernelsUnavailable(): string | null {
    if (!this.kernelBackends.includes(tf.getBackend())) return `the ${tf.getBackend()} backend trains with tfjs`;
    return kernelTrainingUnsupported(this.model);
  }

  /** How the next step's arithmetic runs. */
  get arithmetic(): TrainingArithmetic {
    return this.kernelsUnavailable() === null ? 'SIMD kernels' : 'tfjs';
  }

  setLearningRate(learningRate: number): void {
    if (learningRate === this.learningRate) return;
    // Adam's learning rate is fixed at construction in tfjs; a fresh optimizer forgets its moments, which is acceptable.
    this.learningRate = learningRate;
    this.optimizer.dispose();
    this.optimizer = tf.train.adam(learningRate);
    this.kernels?.resetOptimizer();
  }

  /**
   * One step on `batch` ([B, H, W, C] int32), with its `labels` ([B] int32)
   * for a conditional model; or on a batch of plain arrays, shared with
   * helper workers when it has a pool. Returns the batch's bits/dim before
   * the step.
   */
  async step(batch: tf.Tensor4D | SharedBatch, labels?: tf.Tensor1D): Promise<number> {
    const before = this.model.variables.map((v) => tf.clone(v));
    const kernels = await this.kernelTrainer();
    let bits: number;
    if (kernels) {
      const arrays = batch instanceof tf.Tensor ? await arraysOf(batch, labels) : batch;
      bits = arrays.pool
        ? await sharedStep(kernelShares(this.model, kernels, this.learningRate), arrays.pool, arrays.pixels, arrays.count, arrays.labels)
        : kernels.step(arrays.pixels, arrays.count, arrays.labels, this.learningRate);
      if (Number.isFinite(bits)) kernels.writeTo(this.model);
    } else if (batch instanceof tf.Tensor) {
      bits = await this.stepHere(batch, labels);
    } else if (batch.pool) {
      bits = await sharedStep(tfjsShares(this.model, this.optimizer), batch.pool, batch.pixels, batch.count, batch.labels);
    } else {
      const { height, width, colorChannels } = this.model.config;
      const images = tf.tensor4d(batch.pixels, [batch.count, height, width, colorChannels], 'int32');
      const labelTensor = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
      try {
        bits = await this.stepHere(images, labelTensor);
      } finally {
        tf.dispose([images, labelTensor]);
      }
    }
    if (!Number.isFinite(bits)) {
      // `before` gave this non-finite loss, so it is not safe either; go back to the last weights that did not.
      this.restore(this.lastGood ?? before);
      tf.dispose(before);
      const problem = `the loss became ${Number.isNaN(bits) ? 'NaN' : 'infinite'}`;
      throw new DivergenceError(
        `Training stopped: ${problem} at step ${this.steps + 1}. The last good weights were restored. Try a smaller learning rate.`,
        problem,
      );
    }
    if (this.lastGood) tf.dispose(this.lastGood);
    this.lastGood = before;
    this.steps++;
    return bits;
  }

  /** The kernel trainer when this step runs on the kernels (made from the model's weights), else null (and any earlier one dropped). */
  private async kernelTrainer(): Promise<KernelTrainer | null> {
    if (this.kernelsUnavailable() !== null) {
      // Off a kernel backend the model's variables train; a kernel trainer made later starts from them.
      this.kernels?.dispose();
      this.kernels = null;
      return null;
    }
    this.kernels ??= await KernelTrainer.create(this.model);
    return this.kernels;
  }

  private async stepHere(batch: tf.Tensor4D, labels?: tf.Tensor1D): Promise<number> {
    const loss = this.model.trainStep(batch, this.optimizer, labels);
    const bits = (await loss.data())[0];
    loss.dispose();
    return bits;
  }

  private restore(weights: tf.Tensor[]): void {
    this.model.variables.forEach((v, i) => v.assign(weights[i]));
    // The optimizer's moments may hold NaN too; the kernel trainer is made again from the restored weights.
    this.optimizer.dispose();
    this.optimizer = tf.train.adam(this.learningRate);
    this.kernels?.dispose();
    this.kernels = null;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.kernels?.dispose();
    this.kernels = null;
    if (this.lastGood) tf.dispose(this.lastGood);
    this.lastGood = null;
  }
}

/** A tensor batch as plain arrays (read without blocking). */
async function arraysOf(batch: tf.Tensor4D, labels?: tf.Tensor1D): Promise<SharedBatch> {
  const pixels = Int32Array.from(await batch.data());
  return { pixels, count: batch.shape[0], labels: labels ? Int32Array.from(await labels.data()) : undefined };
}
