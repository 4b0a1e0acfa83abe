/**
 * Gradient helpers on Node worker threads, one tfjs wasm instance each: the
 * tfjs wasm build runs on one thread in Node, so this is how pretraining
 * uses a second core. The protocol and the engine's side of it are the
 * browser engine's (src/worker/dataParallel).
 */
import { Worker } from 'node:worker_threads';
import type { PixelCNNConfig } from '../model/config';
import { ChannelHelper } from '../worker/dataParallel/channelHelper';
import type { HelperReply, HelperRequest } from '../worker/dataParallel/helperProtocol';
import type { GradientHelper } from '../worker/dataParallel/shares';

/** scripts/gradient-helper.mjs, found from the project root. */
function helperScript(root: string): URL {
  return new URL('scripts/gradient-helper.mjs', `file://${root.endsWith('/') ? root : `${root}/`}`);
}

function startThreadHelper(root: string): ChannelHelper {
  const worker = new Worker(helperScript(root));
  const helper = new ChannelHelper(
    {
      post: (request: HelperRequest, transfer) => worker.postMessage(request, transfer as ArrayBuffer[]),
      close: async () => void (await worker.terminate()),
    },
    'gradient helper',
  );
  worker.on('message', (reply: HelperReply) => helper.receive(reply));
  worker.on('error', (error) => helper.fail(error instanceof Error ? error : new Error(String(error))));
  worker.on('exit', (code) => helper.fail(new Error(`its thread exited (code ${code})`)));
  return helper;
}

/** Starts `count` helper threads for `config`, each ready to compute shares. */
export async function startGradientHelpers(root: string, config: PixelCNNConfig, count: number): Promise<GradientHelper[]> {
  const helpers = Array.from({ length: count }, () => startThreadHelper(root));
  try {
    await Promise.all(helpers.map((helper) => helper.init(config)));
  } catch (error) {
    await Promise.all(helpers.map((helper) => helper.close()));
    throw error;
  }
  return helpers;
}
