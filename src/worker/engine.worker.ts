/// <reference lib="webworker" />
/**
 * The worker entry point: owns TensorFlow.js, so the page never runs it.
 * It wires the engine to postMessage, IndexedDB and the browser's backends,
 * and turns anything that escapes the engine into an error message rather
 * than a silent failure.
 */
import { BUILTIN_DATASETS, loadBuiltin } from '../data/builtin';
import { loadMnist } from '../data/mnist';
import { adoptTrial, selectBackend, timeBackends, whenDeviceLost } from './backend';
import { errorText } from './errors';
import { Engine } from './engine';
import { claimIndexedDbStorage, indexedDbCheckpointStorage, indexedDbDatasetStore, indexedDbModelStore } from './modelStore';
import { loadPretrainedModel } from './pretrained';
import type { EngineEvent, EngineRequest } from './protocol';
import { isTrialWorker, serveTrial } from './trial.worker';
import { prefetchAppFile } from '../data/appFiles';
import { isTrainingHelper, serveTrainingHelper, startBrowserHelper } from './dataParallel/helperWorker';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// The backend trial's workers run this same script (one bundle, one tfjs to load) under a name of their own.
// So do the training helpers that share each batch on wasm.
if (isTrialWorker(scope)) serveTrial(scope);
else if (isTrainingHelper(scope)) serveTrainingHelper(scope);
else startEngine();

function emit(event: EngineEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

function startEngine(): void {
  const engine = new Engine({
    emit,
    store: indexedDbModelStore(),
    datasets: indexedDbDatasetStore(),
    selectBackend,
    lateTrial: { time: timeBackends, adopt: adoptTrial },
    prefetchFirstVisit: () => {
      const { modelPath, dataPath, metaPath } = BUILTIN_DATASETS.digits;
      for (const path of [modelPath, dataPath, metaPath]) prefetchAppFile(path);
    },
    loadBuiltinDigits: () => loadMnist(),
    loadBuiltin: (id) => loadBuiltin(id),
    deviceLost: whenDeviceLost,
    loadPretrained: loadPretrainedModel,
    checkpoints: indexedDbCheckpointStorage(),
    claimStorage: claimIndexedDbStorage,
    trainingHelpers: { start: startBrowserHelper, cores: navigator.hardwareConcurrency },
  });

  scope.onmessage = (message: MessageEvent<EngineRequest>) => {
    void engine.handle(message.data);
  };

  scope.addEventListener('unhandledrejection', (event) => {
    emit({ type: 'error', context: 'worker', message: `Unexpected engine error: ${errorText(event.reason)}` });
  });
}
