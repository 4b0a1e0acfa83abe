/// <reference lib="webworker" />
/**
 * Times training steps on one backend for the start-up trial. Each backend
 * gets a worker of its own so the engine can terminate one that overruns its
 * deadline: WebGL compiles shaders synchronously, and a software GPU can
 * hold a thread for half a minute, which no in-thread timer could interrupt.
 */
import * as tf from '@tensorflow/tfjs';
import './tfBackends';
import { TooSlowError, timeTrainingSteps } from './backendTrial';
import { errorText } from './errors';
import type { TrialWorkerMessage, TrialWorkerRequest } from './trialWorkerProtocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: TrialWorkerMessage) => scope.postMessage(message);

scope.onmessage = async (event: MessageEvent<TrialWorkerRequest>) => {
  const { backend, config, batch, steps, stepDeadlineMs, compileDeadlineMs } = event.data;
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
    post({ type: 'done', timing });
  } catch (error) {
    post(error instanceof TooSlowError ? { type: 'tooSlow', limitMs: error.limitMs, what: error.what, estimateMs: error.estimateMs } : { type: 'failed', message: errorText(error) });
  }
};
