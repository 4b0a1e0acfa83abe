import type { PixelCNNConfig, SavedModel } from '../../model';
import type { BuiltinDatasetId } from '../../data/builtin';
import type { ImageDecoder } from '../../data/importImages';
import type { ImageDataset } from '../../data/types';
import type { CheckpointStorage } from '../checkpoints';
import type { StartHelper } from '../dataParallel/pool';
import type { EarlyGrid } from '../earlyGrid';
import type { LateTrialDeps } from '../lateTrial';
import type { DatasetStore, ModelStore } from '../modelStore';
import type { BackendInfo, BackendName, BackendTrial, EngineEvent } from '../protocol';
import type { SamplerFn } from '../samplingSession';

/**
 * What the engine runs on: where its events go, its stores, its backend,
 * its files. The worker gives it the browser's (engineMain.ts); a test
 * gives it stand-ins in memory (testEngine.ts).
 */
export interface EngineDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  store: ModelStore;
  /** Where the user's own images are kept between visits; without it they last until the page closes. */
  datasets?: DatasetStore;
  /** `first` pins a backend; without it, `auto` lets the backend be chosen by timing this model. */
  selectBackend(first?: BackendName, auto?: { config: PixelCNNConfig; remembered?: BackendTrial }): Promise<BackendInfo>;
  /** For a start that left the backend trial for later (BackendInfo.trialPending): times the backends, moves to the fastest. */
  lateTrial?: Pick<LateTrialDeps, 'time' | 'adopt'>;
  /** Starts fetching what a first visit needs (the shipped model, the digits) while the backend starts. */
  prefetchFirstVisit?(): void;
  /** The built-in digits at their stored geometry (28×28, gray, 256 levels). */
  loadBuiltinDigits(): Promise<ImageDataset>;
  /** The other built-in datasets at their stored geometry (src/data/builtin.ts); without it only the digits are offered. */
  loadBuiltin?(id: BuiltinDatasetId): Promise<ImageDataset>;
  /** Image decoder for imports; the browser's when omitted. */
  decode?: ImageDecoder;
  /** How images are sampled; the incremental sampler unless a test swaps it. */
  sampler?: SamplerFn;
  /** Called once the backend is up, with a promise that settles if the GPU is lost. */
  deviceLost?(): Promise<string> | null;
  /** The model shipped for a built-in dataset (the digits by default), or null when there is none; a first visit starts from the digits'. */
  loadPretrained?(id?: BuiltinDatasetId): Promise<SavedModel | null>;
  /** Where the training history (checkpoints) is kept; in memory when omitted. */
  checkpoints?: CheckpointStorage;
  /**
   * Makes this engine the one that writes browser storage (when it starts
   * saving); afterwards its writes fail with a StorageTakenError once another
   * engine has claimed it. Omitted: writes are never refused.
   */
  claimStorage?(): Promise<void>;
  /** Throws as a write would (StorageClearedError, StorageTakenError) when the claim made by `claimStorage` no longer stands; without it, only writes find out. */
  checkClaim?(): Promise<void>;
  /** How much browser storage the site may use and uses, in bytes (navigator.storage.estimate), to say how much room a failed write lacked. */
  storageEstimate?(): Promise<{ usage: number; quota: number }>;
  /**
   * Helper workers that share every training batch (src/worker/dataParallel);
   * without them the engine trains alone. `cores`: the device's
   * (navigator.hardwareConcurrency), for the default count. `backends`: the
   * tfjs backends that share batches, wasm unless a test says otherwise; the
   * GPU backends train on the engine alone.
   */
  trainingHelpers?: { start: StartHelper; cores?: number; backends?: string[] };
  /**
   * A first visit's first grid, already drawing from the shipped model's file
   * without tfjs (the worker entry starts it, earlyGrid.ts): init adopts it
   * as its own first grid when it is the grid init would draw, and stops it
   * otherwise.
   */
  earlyGrid?: EarlyGrid;
}
