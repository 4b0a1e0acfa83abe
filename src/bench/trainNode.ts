/**
 * The Node side of `npm run bench:train` (scripts/bench-train.mjs loads this
 * file through Vite's module runner, so no TypeScript runner is needed):
 * training steps of the default PixelCNN on the tfjs wasm and CPU backends,
 * the masked-convolution op against plain conv2d on weight × mask.
 * Node-only; the browser bench is benchmarks.ts through bench.worker.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG } from '../model';
import { type NodeBackend, useNodeBackend } from '../node/backend';
import { TRAIN_BATCH, timeTraining, type TrainTiming } from './benchmarks';

export interface TrainBenchRow {
  backend: NodeBackend;
  /** e.g. "wasm (SIMD, 1 thread)". */
  detail: string;
  convolution: 'open-taps' | 'reference';
  timing?: TrainTiming;
  /** Forward pass of the batch, median ms (also known when training fails). */
  forwardMs?: number;
  /** Why the path could not train on this backend. */
  error?: string;
}

export const benchModel = { ...DEFAULT_CONFIG, batch: TRAIN_BATCH };

export interface TrainBenchRun {
  backend: NodeBackend;
  convolution: 'open-taps' | 'reference';
  steps: number;
}

/** Each run in order: selects its backend, then times `steps` training steps of the default model. */
export async function benchTrainNode(runs: TrainBenchRun[], log: (line: string) => void): Promise<TrainBenchRow[]> {
  const rows: TrainBenchRow[] = [];
  for (const { backend, convolution, steps } of runs) {
    const detail = await useNodeBackend(backend);
    log(`${detail}, ${convolution}: ${steps} step${steps === 1 ? '' : 's'}…`);
    const before = tf.memory().numTensors;
    let forwardMs: number | undefined;
    try {
      const timing = await timeTraining(convolution, {
        steps,
        // wasm: V8 needs a few calls to tier its kernels up. CPU: a step takes
        // tens of seconds, a warm-up would double the wait for little.
        warmUpSteps: backend === 'cpu' ? 0 : 2,
        onForward: (ms) => (forwardMs = ms),
      });
      rows.push({ backend, detail, convolution, timing, forwardMs });
      const leaked = tf.memory().numTensors - before;
      log(`  median ${timing.medianMs.toFixed(1)} ms/step, forward ${timing.forwardMs.toFixed(1)} ms${leaked ? `, ${leaked} tensors left over` : ''}`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      rows.push({ backend, detail, convolution, error, forwardMs });
      log(`  cannot train: ${error}`);
    }
  }
  return rows;
}
