/**
 * One optimizer step with the batch shared between the engine and its
 * helpers: the engine sends each helper the current weights and a share of
 * the images, computes the first share itself meanwhile, then combines the
 * share gradients (weighted by share size) and lets Adam take one step. The
 * result is the step the engine would take alone on the whole batch.
 *
 * A helper that fails mid-step, or does not answer long after the engine
 * finished its own share, is dropped from the pool (which reports it) and
 * its share is computed here instead, so the step stays whole.
 */
import type * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from '../../model/network';
import type { KernelTrainer } from '../../model/simd/training/kernelTrainer';
import type { HelperPool } from './pool';
import { type ShareGradient, applyShares, combineShares, readWeights, shareGradient, splitShares } from './shares';

export interface StepPatience {
  /**
   * A helper is dropped when it has not answered this long after the engine
   * finished its own share: the larger of `minMs` and `factor` × the time
   * the engine's share took (shares are the same size, so a live helper on a
   * busy machine is slowed alike).
   */
  minMs: number;
  factor: number;
}

export const DEFAULT_PATIENCE: StepPatience = { minMs: 30_000, factor: 20 };

/** Where one step's time went, for the bench: each phase in ms. */
export interface StepTimings {
  /** The engine computing its own share (the helpers compute theirs meanwhile). */
  ownMs: number;
  /** Waiting for the helpers' answers once the engine's share was done. */
  waitMs: number;
  /** Combining the shares and the Adam step, which nothing overlaps. */
  applyMs: number;
}

/**
 * What the engine does itself in a shared step: read the weights it sends the
 * helpers, compute its own share, and apply the combined gradient. tfjs on
 * the model (`tfjsShares`), or the SIMD kernel trainer (`kernelShares`).
 */
export interface LocalShares {
  model: PixelCNN;
  weights(): Promise<Float32Array[]>;
  shareGradient(pixels: Int32Array, count: number, labels?: Int32Array): Promise<ShareGradient>;
  /** Combines the shares, takes one Adam step, and returns the batch's bits/dim. */
  apply(shares: ShareGradient[]): number;
}

export function tfjsShares(model: PixelCNN, optimizer: tf.Optimizer): LocalShares {
  return {
    model,
    weights: () => readWeights(model),
    shareGradient: (pixels, count, labels) => shareGradient(model, pixels, count, labels),
    apply: (shares) => applyShares(model, optimizer, shares),
  };
}

/** The kernel trainer's share and step; its weights are written to the model by the caller. */
export function kernelShares(model: PixelCNN, trainer: KernelTrainer, learningRate: number): LocalShares {
  return {
    model,
    weights: () => Promise.resolve(trainer.weights()),
    shareGradient: (pixels, count, labels) => Promise.resolve({ count, ...trainer.gradients(pixels, count, labels) }),
    apply(shares) {
      const { gradients, bits } = combineShares(shares);
      trainer.applyGradients(gradients, learningRate);
      return bits;
    },
  };
}

/**
 * `pixels`: `count` images, [count, H, W, C] levels in raster order;
 * `labels`: one per image for a conditional model. Returns the batch's
 * bits/dim before the step.
 */
export function dataParallelStep(
  model: PixelCNN,
  optimizer: tf.Optimizer,
  pool: HelperPool,
  pixels: Int32Array,
  count: number,
  labels?: Int32Array,
  patience: StepPatience = DEFAULT_PATIENCE,
  observe?: (timings: StepTimings) => void,
): Promise<number> {
  return sharedStep(tfjsShares(model, optimizer), pool, pixels, count, labels, patience, observe);
}

/** dataParallelStep with the engine's own part done by `local`. */
export async function sharedStep(
  local: LocalShares,
  pool: HelperPool,
  pixels: Int32Array,
  count: number,
  labels?: Int32Array,
  patience: StepPatience = DEFAULT_PATIENCE,
  observe?: (timings: StepTimings) => void,
): Promise<number> {
  const helpers = await pool.ready(local.model);
  const ranges = splitShares(count, helpers.length + 1);
  const imageSize = pixels.length / count;
  const share = ([start, end]: [number, number]) => [pixels.subarray(start * imageSize, end * imageSize), end - start, labels?.subarray(start, end)] as const;

  const weights = ranges.length > 1 ? await local.weights() : [];
  // Posted before the engine's own share starts, so the helpers work while it does.
  const remote = ranges.slice(1).map((range, i) =>
    helpers[i].shareGradient(weights, ...share(range)).catch(async (error: unknown) => {
      await pool.drop(helpers[i], error);
      return null;
    }),
  );
  const started = performance.now();
  const shares: ShareGradient[] = [await local.shareGradient(...share(ranges[0]))];
  const ownDone = performance.now();
  const waitMs = Math.max(patience.minMs, patience.factor * (ownDone - started));
  const answers = await Promise.all(
    remote.map((answer, i) => orGiveUp(answer, waitMs, () => pool.drop(helpers[i], new Error(`it did not answer within ${(waitMs / 1000).toFixed(0)} s`)))),
  );
  for (let i = 0; i < answers.length; i++) shares.push(answers[i] ?? (await local.shareGradient(...share(ranges[i + 1]))));
  const answered = performance.now();
  const bits = local.apply(shares);
  observe?.({ ownMs: ownDone - started, waitMs: answered - ownDone, applyMs: performance.now() - answered });
  return bits;
}

/** `answer`, or null once `ms` have passed without it (after `giveUp`). */
function orGiveUp<T>(answer: Promise<T | null>, ms: number, giveUp: () => Promise<void>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => void giveUp().then(() => resolve(null)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
