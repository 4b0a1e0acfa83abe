/// <reference lib="webworker" />
/**
 * A training helper in the browser: a dedicated worker with its own tfjs on
 * the wasm backend, computing the gradient of its share of each batch for
 * the engine (see step.ts). It runs the script of the worker that starts it
 * (the engine's, or the bench's) under a name of its own, so it loads no
 * second copy of tfjs: that script calls `serveTrainingHelper` when
 * `isTrainingHelper` (workerRoles.ts) says it is one.
 */
import * as tf from '@tensorflow/tfjs';
import '../tfBackends';
import { ChannelHelper } from './channelHelper';
import type { HelperReply, HelperRequest } from './helperProtocol';
import { shareServer } from './serve';
import { TRAINING_HELPER_PREFIX } from '../workerRoles';

/** Answers the engine's requests in this worker. */
export function serveTrainingHelper(scope: DedicatedWorkerGlobalScope): void {
  const serve = shareServer({
    reply: (message, transfer) => scope.postMessage(message, transfer),
    async startBackend() {
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start in the helper');
      await tf.ready();
      return 'wasm';
    },
  });
  scope.onmessage = (event: MessageEvent<HelperRequest>) => void serve(event.data);
}

/** Starts helper number `index` as a worker running this worker's own script, wired to a ChannelHelper. */
export function startBrowserHelper(index: number): ChannelHelper {
  const worker = new Worker(self.location.href, { type: 'module', name: `${TRAINING_HELPER_PREFIX}${index}` });
  const helper = new ChannelHelper(
    {
      post: (request, transfer) => worker.postMessage(request, transfer),
      close: () => worker.terminate(),
    },
    `training helper ${index}`,
  );
  worker.onmessage = (event: MessageEvent<HelperReply>) => helper.receive(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    helper.fail(new Error(event.message || 'its worker crashed'));
  };
  worker.onmessageerror = () => helper.fail(new Error('a message from it could not be read'));
  return helper;
}
