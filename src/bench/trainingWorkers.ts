/**
 * `trainingByWorkers` in `npm run bench`: training steps of the default
 * model on wasm with the batch shared between the engine's thread and 0, 1,
 * … helper workers, exactly as the app trains (src/worker/dataParallel, on
 * the SIMD training kernels where they can train the model, as the engine's
 * Trainer does). The worker counts are timed in turns, round after round,
 * so a machine whose load changes during the run slows them alike.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type PixelCNNConfig, createPixelCNN } from '../model';
import { relaxedSimdAvailable } from '../model/simd/training/module';
import { KernelTrainer } from '../model/simd/training/kernelTrainer';
import { startBrowserHelper } from '../worker/dataParallel/helperWorker';
import { HelperPool } from '../worker/dataParallel/pool';
import { splitShares } from '../worker/dataParallel/shares';
import { type StepTimings, kernelShares, sharedStep, tfjsShares } from '../worker/dataParallel/step';
import { trainsOnKernels } from '../worker/trainer';
import { median } from './benchmarks';

export interface WorkersRow {
  /** Workers computing each batch: the engine's thread and workers − 1 helpers. */
  workers: number;
  /** How the steps' arithmetic ran: as the app trains (the SIMD kernels), or tfjs's step on one worker, timed beside them for reference. */
  arithmetic: 'SIMD kernels' | 'SIMD kernels (relaxed)' | 'tfjs';
  stepsPerSecond: number;
  /** Median step, ms. */
  msPerStep: number;
  /** Steps timed. */
  steps: number;
  /**
   * With helpers, medians of where a step's time went (StepTimings), and the
   * engine's share timed alone (no helper running) in the same rounds: the
   * share beside helpers over the share alone is what sharing the machine's
   * cores and memory costs.
   */
  phases?: StepTimings & { ownAloneMs: number };
}

export const WORKERS_BATCH = 16;

function batchPixels(config: PixelCNNConfig, count: number, seed: number): Int32Array {
  let state = seed;
  const pixels = new Int32Array(count * config.height * config.width * config.colorChannels);
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    pixels[i] = state % config.levels;
  }
  return pixels;
}

/**
 * `counts`: the worker counts to compare; `rounds` × `stepsPerRound` timed
 * steps for each, after two untimed warm-up steps each. One worker is the
 * engine's own path (the kernel trainer's step, or model.trainStep, no helpers).
 */
export async function benchTrainingWorkers(counts: number[], rounds: number, stepsPerRound: number, log: (line: string) => void): Promise<WorkersRow[]> {
  if (tf.getBackend() !== 'wasm') throw new Error(`training workers are timed on wasm, not ${tf.getBackend()}`);
  const config = DEFAULT_CONFIG;
  const lost: string[] = [];
  // tfjs's own step on one worker is timed in the same rounds, for reference.
  const plan = [...counts.map((workers) => ({ workers, tfjs: false })), { workers: 1, tfjs: true }];
  const runs = await Promise.all(
    plan.map(async ({ workers, tfjs }) => {
      const model = createPixelCNN(config, 1);
      const optimizer = tf.train.adam(1e-3);
      const kernels = !tfjs && trainsOnKernels(model) ? await KernelTrainer.create(model) : null;
      const arithmetic: WorkersRow['arithmetic'] = kernels ? (relaxedSimdAvailable() ? 'SIMD kernels (relaxed)' : 'SIMD kernels') : 'tfjs';
      const local = kernels ? kernelShares(model, kernels, 1e-3) : tfjsShares(model, optimizer);
      const pool = new HelperPool(startBrowserHelper, (message) => lost.push(message));
      pool.setCount(workers - 1);
      return { workers, arithmetic, model, optimizer, kernels, local, pool, times: [] as number[], timings: [] as StepTimings[], alone: [] as number[] };
    }),
  );
  const pixels = batchPixels(config, WORKERS_BATCH, 9);
  const labels = config.classes > 0 ? Int32Array.from({ length: WORKERS_BATCH }, (_, i) => i % config.classes) : undefined;
  const images = tf.tensor4d(pixels, [WORKERS_BATCH, config.height, config.width, config.colorChannels], 'int32');
  const labelTensor = labels ? tf.tensor1d(labels, 'int32') : undefined;
  const step = async (run: (typeof runs)[number]) => {
    if (run.workers === 1 && run.kernels) {
      run.kernels.step(pixels, WORKERS_BATCH, labels, 1e-3);
    } else if (run.workers === 1) {
      const loss = run.model.trainStep(images, run.optimizer, labelTensor);
      await loss.data();
      loss.dispose();
    } else {
      await sharedStep(run.local, run.pool, pixels, WORKERS_BATCH, labels, undefined, (t) => run.timings.push(t));
    }
  };
  /** The engine's share of a step with `workers`, computed with no helper running. */
  const shareAlone = async (run: (typeof runs)[number]) => {
    const [start, end] = splitShares(WORKERS_BATCH, run.workers)[0];
    const size = pixels.length / WORKERS_BATCH;
    const began = performance.now();
    await run.local.shareGradient(pixels.subarray(start * size, end * size), end - start, labels?.subarray(start, end));
    run.alone.push(performance.now() - began);
  };
  try {
    for (const run of runs) {
      log(`  ${run.workers} worker${run.workers === 1 ? '' : 's'}, ${run.arithmetic}: starting and warming up`);
      for (let i = 0; i < 2; i++) await step(run);
      run.timings.length = 0;
    }
    for (let round = 0; round < rounds; round++) {
      for (const run of runs) {
        for (let i = 0; i < stepsPerRound; i++) {
          const start = performance.now();
          await step(run);
          run.times.push(performance.now() - start);
        }
        if (run.workers > 1) await shareAlone(run);
      }
      log(
        `  round ${round + 1}/${rounds}: ${runs.map((r) => `${r.workers} (${r.arithmetic}) → ${median(r.times.slice(-stepsPerRound)).toFixed(0)} ms`).join(', ')}`,
      );
    }
    if (lost.length > 0) throw new Error(lost.join(' '));
    return runs.map((run) => {
      const msPerStep = median(run.times);
      const phase = (pick: (t: StepTimings) => number) => median(run.timings.map(pick));
      const phases =
        run.workers > 1
          ? { ownMs: phase((t) => t.ownMs), waitMs: phase((t) => t.waitMs), applyMs: phase((t) => t.applyMs), ownAloneMs: median(run.alone) }
          : undefined;
      return { workers: run.workers, arithmetic: run.arithmetic, stepsPerSecond: 1000 / msPerStep, msPerStep, steps: run.times.length, phases };
    });
  } finally {
    images.dispose();
    labelTensor?.dispose();
    for (const run of runs) {
      await run.pool.close();
      run.optimizer.dispose();
      run.model.dispose();
    }
  }
}
