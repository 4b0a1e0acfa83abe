import type { PixelCNNConfig } from '../model/config';
import type { BackendName } from '../worker/protocol';
import type { SamplingRow, TrainRow } from './benchmarks';

/** What the bench page asks its worker to measure. */
export interface BenchRequest {
  backend: BackendName;
  sizes: number[];
  /** Full-recompute steps timed per size (the rest is extrapolated). */
  fullSteps: number;
  /** Timed training steps after one warm-up step. */
  trainSteps: number;
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
}

export type BenchMessage =
  | { type: 'log'; line: string }
  | { type: 'result'; result: BenchResult }
  | { type: 'error'; message: string };
