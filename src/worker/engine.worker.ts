/// <reference lib="webworker" />
/**
 * The worker entry point. It imports no tfjs: each role's code, and tfjs
 * with it, comes in by a dynamic import, so this script runs as soon as the
 * browser has it.
 *
 * - The engine (no name): requests are queued until the engine's module
 *   (engineMain.ts, tfjs included) has loaded, then handed over in order,
 *   and each request's outcome goes back to the page with its id.
 *   With no model saved in this browser, the shipped model's file is read
 *   at once; on an init that looks like a first visit its first grid starts
 *   drawing without tfjs (earlyGrid.ts), the engine's module is loaded once
 *   the first pixels are out, and the engine adopts the grid.
 * - Backend-trial workers and training helpers run this same script under a
 *   name of their own (workerRoles.ts), one bundle and one tfjs for all.
 *
 * Anything that escapes becomes an error message for the page rather than a
 * silent failure.
 */
import { BUILTIN_DATASETS } from '../data/builtin';
import { prefetchAppFile } from '../data/appFiles';
import { fileSampler } from '../model/fileSampler';
import { type EarlyGrid, likelyFirstVisit, loadBuiltinLabels, prepareEarlyGrid, startPreparedGrid } from './earlyGrid';
import { errorText } from './errors';
import { indexedDbDatasetStore, indexedDbModelStore } from './modelStore';
import { loadPretrainedModel } from './pretrained';
import type { EngineCall, EngineEvent, EngineRequest, RequestOutcome } from './protocol';
import { isTrainingHelper, isTrialWorker } from './workerRoles';

const scope = self as unknown as DedicatedWorkerGlobalScope;

if (isTrialWorker(scope)) serveRole(() => import('./trial.worker').then((m) => m.serveTrial));
else if (isTrainingHelper(scope)) serveRole(() => import('./dataParallel/helperWorker').then((m) => m.serveTrainingHelper));
else startEngine();

function emit(event: EngineEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

/**
 * A trial worker or training helper: its messages wait while its code loads,
 * then reach the handler it installs, in order. A failure to load is thrown
 * from the worker, so the engine that started it hears of it as of any
 * crash of that worker (its error event).
 */
function serveRole(load: () => Promise<(scope: DedicatedWorkerGlobalScope) => void>): void {
  const waiting: MessageEvent[] = [];
  const hold = (event: MessageEvent) => waiting.push(event);
  scope.addEventListener('message', hold);
  load().then(
    (serve) => {
      scope.removeEventListener('message', hold);
      serve(scope);
      for (const event of waiting) scope.dispatchEvent(new MessageEvent('message', { data: event.data, ports: [...event.ports] }));
    },
    (error: unknown) => {
      setTimeout(() => {
        throw new Error(`its code could not be loaded (${errorText(error)})`);
      }, 0);
    },
  );
}

/** What the entry needs of the engine: a request in, its outcome out. */
interface RequestHandler {
  handle(request: EngineRequest): Promise<RequestOutcome>;
}

function startEngine(): void {
  let engine: RequestHandler | null = null;
  let early: EarlyGrid | null = null;
  let loading = false;
  const waiting: EngineCall[] = [];
  // Read at once, before the page's init arrives: with no model saved, the engine starts from the shipped one in any case.
  const prepared = prepareEarlyGrid({
    store: indexedDbModelStore(),
    datasets: indexedDbDatasetStore(),
    loadPretrained: loadPretrainedModel,
    loadLabels: loadBuiltinLabels,
    fileSampler,
  }).catch(() => null); // the engine reads the same again, and says what failed

  /** Hands a call to the engine, and its outcome back to the page. */
  const answer = (handler: RequestHandler, { id, request }: EngineCall) => {
    void handler.handle(request).then((outcome) => emit({ type: 'answer', id, outcome }));
  };

  scope.onmessage = (message: MessageEvent<EngineCall>) => {
    const call = message.data;
    if (engine) {
      answer(engine, call);
      return;
    }
    waiting.push(call);
    const { request } = call;
    // The early grid answers its own controls at once; the engine hears them too, in order, once it is there.
    if (request.type === 'stopSampling') early?.session.stop();
    else if (request.type === 'setSampleDelay') early?.session.setDelay(Math.max(0, request.delayMs));
    else if (request.type === 'setBeliefImage') early?.session.setBeliefImage(request.image);
    if (!loading) {
      loading = true;
      void load(request);
    }
  };

  async function load(first: EngineRequest): Promise<void> {
    if (likelyFirstVisit(first)) {
      const ready = await prepared;
      early = ready && startPreparedGrid(first, ready, emit);
      if (early) {
        // tfjs loads after the first pixels, so its evaluation does not hold them up.
        await early.session.firstPixels;
        // The set's images are needed next (the engine loads them before announcing the dataset).
        prefetchAppFile(BUILTIN_DATASETS[early.id].dataPath);
      }
    }
    let created: RequestHandler;
    try {
      const { createEngine } = await import('./engineMain');
      created = createEngine(emit, early);
    } catch (error) {
      early?.session.stop();
      emit({ type: 'fatal', message: `the engine's code could not be loaded (${errorText(error)})` });
      return;
    }
    engine = created;
    for (const call of waiting.splice(0)) answer(created, call);
  }

  scope.addEventListener('unhandledrejection', (event) => {
    emit({ type: 'error', context: 'worker', message: `Unexpected engine error: ${errorText(event.reason)}` });
  });
}
