/**
 * The Node side of `npm run bench:pretrain` (scripts/bench-pretrain.mjs):
 * pretraining steps of the shipped model's settings on real MNIST batches,
 * on both engines of `npm run pretrain`:
 *   wasm   tfjs's wasm backend, the batch on one thread or shared across helper threads;
 *   torch  the PyTorch twin (python/pixelcnn_studio/bench.py) with 1, 2, … torch threads.
 */
import { spawnSync } from 'node:child_process';
import { useNodeBackend } from '../node/backend';
import { startGradientHelpers } from '../node/gradientHelpers';
import { readMnistSplit } from '../node/mnist';
import { pretrain } from '../pretrain/run';
import { DEFAULT_PRETRAIN } from '../pretrain/schedule';
import { defaultPython, pythonEnv, torchAvailable } from '../pretrain/torchEngine';

export interface PretrainBenchRow {
  engine: 'wasm' | 'torch';
  /** What ran, e.g. "wasm (SIMD, 1 thread)" or "torch 1.13.0 (CPU, 2 threads)". */
  backend: string;
  threads: number;
  /** Per-step wall time after the warm-up steps, ms. */
  medianMs: number;
  minMs: number;
  imagesPerSecond: number;
}

export const benchSettings = DEFAULT_PRETRAIN;

function row(engine: PretrainBenchRow['engine'], backend: string, threads: number, times: number[]): PretrainBenchRow {
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)];
  return { engine, backend, threads, medianMs, minMs: sorted[0], imagesPerSecond: (1000 * benchSettings.batchSize) / medianMs };
}

/** wasm: times `steps` steps (after `warmup` untimed ones) for each thread count, in order. */
export async function benchPretrain(
  root: string,
  threadCounts: number[],
  steps: number,
  warmup: number,
  log: (line: string) => void,
): Promise<PretrainBenchRow[]> {
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
    const times = stamps.slice(warmup, -1).map((t, i) => t - stamps[warmup - 1 + i]);
    const result = row('wasm', threads === 1 ? backend : `${backend} × ${threads} threads`, threads, times);
    rows.push(result);
    log(`  median ${result.medianMs.toFixed(0)} ms/step`);
  }
  return rows;
}

/** Whether the torch engine can run here, and with which interpreter. */
export function torchEngineHere(): { python: string; available: boolean } {
  const python = defaultPython();
  return { python, available: torchAvailable(python) };
}

/** torch: the same settings and batches in the PyTorch twin, one process per thread count, on the CPU. */
export function benchTorchPretrain(root: string, threadCounts: number[], steps: number, warmup: number, log: (line: string) => void): PretrainBenchRow[] {
  const { python } = torchEngineHere();
  const rows: PretrainBenchRow[] = [];
  for (const threads of threadCounts) {
    log(`torch × ${threads} thread${threads === 1 ? '' : 's'}: ${warmup} + ${steps} steps of ${benchSettings.batchSize}…`);
    const args = ['-m', 'pixelcnn_studio.bench', '--settings', JSON.stringify(benchSettings), '--root', root];
    args.push('--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup), '--device', 'cpu');
    const result = spawnSync(python, args, {
      cwd: root,
      encoding: 'utf8',
      env: pythonEnv(root),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`the torch bench failed (${python}, exit code ${result.status})`);
    const answer = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { engine: string; stepMs: number[] };
    const measured = row('torch', answer.engine, threads, answer.stepMs);
    rows.push(measured);
    log(`  median ${measured.medianMs.toFixed(0)} ms/step`);
  }
  return rows;
}
