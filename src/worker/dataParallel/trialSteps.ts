/**
 * The backend trial's figure for wasm on several cores: training steps of
 * the trial's model with each batch shared between this worker and
 * cores − 1 helper workers, as the engine trains on wasm. The helpers run
 * the script of the worker that starts them (the trial worker runs the
 * engine's), see helperWorker.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { PixelCNNConfig } from '../../model/config';
import { createPixelCNN } from '../../model/pixelcnn';
import { startBrowserHelper } from './helperWorker';
import { HelperPool } from './pool';
import { KernelTrainer } from '../../model/simd/training/kernelTrainer';
import { trainsOnKernels } from '../trainer';
import { kernelShares, sharedStep, tfjsShares } from './step';

export interface SharedTrialOptions {
  batch: number;
  steps: number;
  cores: number;
  /** Wall time allowed for starting the helpers, a warm-up step and the timed steps. */
  budgetMs: number;
}

/** The median shared step in ms, or null when the helpers failed or the budget ran out. */
export async function timeSharedTrialSteps(config: PixelCNNConfig, { batch, steps, cores, budgetMs }: SharedTrialOptions): Promise<number | null> {
  const model = createPixelCNN(config, 7);
  const optimizer = tf.train.adam(1e-3);
  const lost: string[] = [];
  const pool = new HelperPool(startBrowserHelper, (message) => lost.push(message));
  pool.setCount(cores - 1);
  const pixels = Int32Array.from({ length: batch * config.height * config.width * config.colorChannels }, (_, i) => (i * 7919) % config.levels);
  const labels = config.classes > 0 ? Int32Array.from({ length: batch }, (_, i) => i % config.classes) : undefined;
  // As the engine trains on wasm: on the SIMD kernels when they can train the model.
  const kernels = trainsOnKernels(model) ? await KernelTrainer.create(model) : null;
  const local = kernels ? kernelShares(model, kernels, 1e-3) : tfjsShares(model, optimizer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outOfTime = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), budgetMs)));
  const stopped = { now: false };
  const run = async (): Promise<number | null> => {
    await sharedStep(local, pool, pixels, batch, labels);
    const times: number[] = [];
    for (let i = 0; i < steps && !stopped.now; i++) {
      const start = performance.now();
      await sharedStep(local, pool, pixels, batch, labels);
      times.push(performance.now() - start);
    }
    if (lost.length > 0 || stopped.now) return null;
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const running = run().catch(() => null);
  try {
    return await Promise.race([running, outOfTime]);
  } finally {
    stopped.now = true;
    clearTimeout(timer);
    // A step in flight still uses the model; free everything once it ends.
    void running.finally(async () => {
      await pool.close();
      optimizer.dispose();
      model.dispose();
    });
  }
}
