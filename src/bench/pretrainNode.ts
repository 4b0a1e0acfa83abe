/**
 * The Node side of `npm run bench:pretrain` (scripts/bench-pretrain.mjs):
 * pretraining steps of the shipped model's settings on real MNIST batches,
 * with the batch on one thread and shared across helper threads.
 */
import { useNodeBackend } from '../node/backend';
import { startGradientHelpers } from '../node/gradientHelpers';
import { readMnistSplit } from '../node/mnist';
import { pretrain } from '../pretrain/run';
import { DEFAULT_PRETRAIN } from '../pretrain/schedule';

export interface PretrainBenchRow {
  threads: number;
  /** Per-step wall time after the warm-up steps, ms. */
  medianMs: number;
  minMs: number;
  imagesPerSecond: number;
}

export const benchSettings = DEFAULT_PRETRAIN;

/** Times `steps` steps (after `warmup` untimed ones) for each thread count, in order. */
export async function benchPretrain(root: string, threadCounts: number[], steps: number, warmup: number, log: (line: string) => void): Promise<PretrainBenchRow[]> {
  const backend = await useNodeBackend('wasm');
  const { train, test } = readMnistSplit(root);
  const settings = { ...DEFAULT_PRETRAIN, steps: warmup + steps };
  const rows: PretrainBenchRow[] = [];
  for (const threads of threadCounts) {
    log(`${backend} × ${threads} thread${threads === 1 ? '' : 's'}: ${warmup} + ${steps} steps of ${settings.batchSize}…`);
    const helpers = await startGradientHelpers(root, settings.config, threads - 1);
    const stamps: number[] = [];
    try {
      const outcome = await pretrain(
        { settings, train, test, checkpointEvery: Infinity, estimateEvery: Infinity, estimateImages: 1, helpers },
        { onProgress: () => void stamps.push(performance.now()), onCheckpoint: async () => undefined, shouldStop: () => false },
      );
      outcome.model.dispose();
    } finally {
      await Promise.all(helpers.map((helper) => helper.close()));
    }
    // The last step also estimates the held-out bits/dim (on one image); leave it out.
    const times = stamps.slice(warmup, -1).map((t, i) => t - stamps[warmup - 1 + i]).sort((a, b) => a - b);
    const medianMs = times[Math.floor(times.length / 2)];
    rows.push({ threads, medianMs, minMs: times[0], imagesPerSecond: (1000 * settings.batchSize) / medianMs });
    log(`  median ${medianMs.toFixed(0)} ms/step`);
  }
  return rows;
}
