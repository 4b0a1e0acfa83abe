import type { PixelCNNConfig } from '../model/config';
import type { BackendName } from '../worker/protocol';
import type { SamplingRow, TrainRow } from './benchmarks';
import type { WorkersRow } from './trainingWorkers';

/** What the bench page asks its worker to measure. */
export interface BenchRequest {
  backend: BackendName;
  sizes: number[];
  /** Full-recompute steps timed per size (the rest is extrapolated). */
  fullSteps: number;
  /** Timed training steps after one warm-up step. */
  trainSteps: number;
  /** wasm only: the worker counts to time training with (trainingWorkers.ts); none or empty to skip. */
  trainingWorkers?: number[];
  /** 'training-workers': time only the worker counts, nothing else. */
  only?: 'training-workers';
}

export interface BenchResult {
  backend: BackendName;
  adapter: string;
  tfjsBackend: string;
  /** How the masked-convolution op ran: the backend's WGSL kernels, or its generic open-tap path. */
  maskedConv: string;
  model: PixelCNNConfig & { description: string };
  sampling: SamplingRow[];
  trainStep: TrainRow;
  leaks: { train: number; sample: number };
  /** Training steps per second by number of workers (wasm), when asked for. */
  trainingByWorkers?: WorkersRow[];
}

export type BenchMessage =
  | { type: 'log'; line: string }
  | { type: 'result'; result: BenchResult }
  /** The answer to a request with `only: 'training-workers'`. */
  | { type: 'trainingWorkers'; adapter: string; rows: WorkersRow[] }
  | { type: 'error'; message: string };
