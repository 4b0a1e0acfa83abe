import type { PixelCNNConfig } from '../model/config';
import type { StepTiming } from './backendTrial';
import type { BackendName } from './protocol';

/** What the engine worker asks a trial worker to time. */
export interface TrialWorkerRequest {
  backend: BackendName;
  config: PixelCNNConfig;
  batch: number;
  steps: number;
  stepDeadlineMs: number;
  compileDeadlineMs: number;
  /** wasm: then time steps shared by this many cores (src/worker/dataParallel), as training does; absent or 1: none. */
  cores?: number;
}

/** `ready`, `gated` and `warmedUp` let the engine time each phase, so worker start-up does not count against the backend. */
export type TrialWorkerMessage =
  | { type: 'ready' }
  | { type: 'gated' }
  | { type: 'warmedUp'; ms: number }
  /** Timing steps shared with helper workers now, within `budgetMs` (after which it reports the one-core figure). */
  | { type: 'sharing'; budgetMs: number }
  | { type: 'done'; timing: StepTiming }
  | { type: 'tooSlow'; limitMs: number; what: string; estimateMs?: number }
  | { type: 'failed'; message: string };
