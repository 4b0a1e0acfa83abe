import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from '../model';
import type { TrainSettings } from './protocol';
import type { HelperPool } from './dataParallel/pool';
import { dataParallelStep } from './dataParallel/step';

/** A batch the engine shares with its helper workers (dataParallel/step.ts), as plain arrays: `count` images and their labels. */
export interface SharedBatch {
  pool: HelperPool;
  pixels: Int32Array;
  count: number;
  labels?: Int32Array;
}

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

export class Trainer {
  private optimizer: tf.Optimizer;
  private learningRate: number;
  /** Weights that produced a finite loss: the state to return to if training diverges. */
  private lastGood: tf.Tensor[] | null = null;

  constructor(
    private readonly model: PixelCNN,
    settings: TrainSettings,
    public steps = 0,
  ) {
    this.learningRate = settings.learningRate;
    this.optimizer = tf.train.adam(this.learningRate);
  }

  setLearningRate(learningRate: number): void {
    if (learningRate === this.learningRate) return;
    // Adam's learning rate is fixed at construction in tfjs; a fresh optimizer forgets its moments, which is acceptable.
    this.learningRate = learningRate;
    this.optimizer.dispose();
    this.optimizer = tf.train.adam(learningRate);
  }

  /**
   * One step on `batch` ([B, H, W, C] int32), with its `labels` ([B] int32)
   * for a conditional model; or on a batch shared with helper workers, the
   * same step computed by several cores. Returns the batch's bits/dim before
   * the step.
   */
  async step(batch: tf.Tensor4D | SharedBatch, labels?: tf.Tensor1D): Promise<number> {
    const before = this.model.variables.map((v) => tf.clone(v));
    const bits =
      batch instanceof tf.Tensor
        ? await this.stepHere(batch, labels)
        : await dataParallelStep(this.model, this.optimizer, batch.pool, batch.pixels, batch.count, batch.labels);
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

  private async stepHere(batch: tf.Tensor4D, labels?: tf.Tensor1D): Promise<number> {
    const loss = this.model.trainStep(batch, this.optimizer, labels);
    const bits = (await loss.data())[0];
    loss.dispose();
    return bits;
  }

  private restore(weights: tf.Tensor[]): void {
    this.model.variables.forEach((v, i) => v.assign(weights[i]));
    // The optimizer's moments may hold NaN too.
    this.optimizer.dispose();
    this.optimizer = tf.train.adam(this.learningRate);
  }

  dispose(): void {
    this.optimizer.dispose();
    if (this.lastGood) tf.dispose(this.lastGood);
    this.lastGood = null;
  }
}
