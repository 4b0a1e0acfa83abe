/// <reference lib="webworker" />
/**
 * Times training steps on one backend for the backend trial. Each backend
 * gets a worker of its own so the engine can terminate one that overruns its
 * deadline: WebGL compiles shaders synchronously, and a software GPU can
 * hold a thread for half a minute, which no in-thread timer could interrupt.
 *
 * A trial worker runs the engine worker's own script (engine.worker.ts),
 * started under a name that says which role it plays, so the browser loads
 * one bundle, and one copy of tfjs, for both.
 */
import * as tf from '@tensorflow/tfjs';
import './tfBackends';
import { TooSlowError, timeTrainingSteps } from './backendTrial';
import { errorText } from './errors';
import type { BackendName } from './protocol';
import type { TrialWorkerMessage, TrialWorkerRequest } from './trialWorkerProtocol';
import { timeSharedTrialSteps } from './dataParallel/trialSteps';
import { TRIAL_WORKER_PREFIX } from './workerRoles';

/** Time for a trial worker's helpers to load the script and start wasm before its shared steps. */
const SHARING_STARTUP_MS = 10_000;

/** The name a trial worker of `backend` is started under. */
export function trialWorkerName(backend: BackendName): string {
  return `${TRIAL_WORKER_PREFIX}${backend}`;
}

/**
 * A new trial worker: the script this engine worker runs. In the built app
 * that is the bundle (tfjs included) the browser has already loaded; under
 * the dev server, the engine worker's module.
 */
export function startTrialWorker(backend: BackendName): Worker {
  return new Worker(self.location.href, { type: 'module', name: trialWorkerName(backend) });
}

/** Answers the one request a trial worker gets: time `backend` on the model, then report. */
export function serveTrial(scope: DedicatedWorkerGlobalScope): void {
  const post = (message: TrialWorkerMessage) => scope.postMessage(message);
  scope.onmessage = async (event: MessageEvent<TrialWorkerRequest>) => {
    const { backend, config, batch, steps, stepDeadlineMs, compileDeadlineMs, cores = 1 } = event.data;
    try {
      if (!tf.findBackendFactory(backend)) throw new Error('this browser does not offer it to tfjs');
      if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
      await tf.ready();
      const timing = await timeTrainingSteps(config, {
        batch,
        steps,
        stepDeadlineMs,
        compileDeadlineMs,
        onReady: () => post({ type: 'ready' }),
        onGated: () => post({ type: 'gated' }),
        onWarmUp: (ms) => post({ type: 'warmedUp', ms }),
      });
      // wasm trains on every core (src/worker/dataParallel): time it so, falling back on the one-core figure.
      if (backend === 'wasm' && cores > 1) {
        const budgetMs = SHARING_STARTUP_MS + (steps + 1) * stepDeadlineMs;
        post({ type: 'sharing', budgetMs });
        const shared = await timeSharedTrialSteps(config, { batch, steps, cores, budgetMs });
        if (shared !== null) {
          post({ type: 'done', timing: { ...timing, msPerStep: shared, cores } });
          return;
        }
      }
      post({ type: 'done', timing });
    } catch (error) {
      post(
        error instanceof TooSlowError
          ? { type: 'tooSlow', limitMs: error.limitMs, what: error.what, estimateMs: error.estimateMs }
          : { type: 'failed', message: errorText(error) },
      );
    }
  };
}
