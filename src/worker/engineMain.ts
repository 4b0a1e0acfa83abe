/// <reference lib="webworker" />
/**
 * The engine with everything it runs on in the browser: tfjs and its
 * backends, IndexedDB, the shipped files, the helper workers. The worker
 * entry (engine.worker.ts) loads this module with a dynamic import, after a
 * first visit's early grid has sent its first pixels, so tfjs is loaded and
 * evaluated behind them rather than before.
 */
import { BUILTIN_DATASETS, loadBuiltin } from '../data/builtin';
import { loadMnist } from '../data/mnist';
import { prefetchAppFile } from '../data/appFiles';
import type { SavedModel } from '../model/modelFile';
import { adoptTrial, selectBackend, timeBackends, whenDeviceLost } from './backend';
import type { EarlyGrid } from './earlyGrid';
import { Engine } from './engine';
import { checkIndexedDbClaim, claimIndexedDbStorage, indexedDbCheckpointStorage, indexedDbDatasetStore, indexedDbModelStore } from './modelStore';
import { loadPretrainedModel } from './pretrained';
import type { EngineEvent } from './protocol';
import { startBrowserHelper } from './dataParallel/helperWorker';

/** The engine of this worker; `earlyGrid`: the first grid already drawing, for the engine to adopt. */
export function createEngine(emit: (event: EngineEvent, transfer?: Transferable[]) => void, earlyGrid: EarlyGrid | null): Engine {
  // The early grid's model file is parsed already: the engine's first read of that set's model takes it.
  let early: EarlyGrid | null = earlyGrid;
  const loadPretrained = (id: keyof typeof BUILTIN_DATASETS = 'digits'): Promise<SavedModel | null> => {
    if (early && early.id === id) {
      const { saved } = early;
      early = null;
      return Promise.resolve(saved);
    }
    return loadPretrainedModel(id);
  };
  return new Engine({
    emit,
    store: indexedDbModelStore(),
    datasets: indexedDbDatasetStore(),
    selectBackend,
    lateTrial: { time: timeBackends, adopt: adoptTrial },
    prefetchFirstVisit: () => {
      const { modelPath, dataPath, metaPath } = BUILTIN_DATASETS.digits;
      for (const path of earlyGrid ? [dataPath, metaPath] : [modelPath, dataPath, metaPath]) prefetchAppFile(path);
    },
    loadBuiltinDigits: () => loadMnist(),
    loadBuiltin: (id) => loadBuiltin(id),
    deviceLost: whenDeviceLost,
    loadPretrained,
    checkpoints: indexedDbCheckpointStorage(),
    claimStorage: claimIndexedDbStorage,
    checkClaim: checkIndexedDbClaim,
    storageEstimate: async () => {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      return { usage, quota };
    },
    trainingHelpers: { start: startBrowserHelper, cores: navigator.hardwareConcurrency },
    ...(earlyGrid ? { earlyGrid } : {}),
  });
}
