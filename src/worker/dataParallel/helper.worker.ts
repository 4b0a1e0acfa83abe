/// <reference lib="webworker" />
/**
 * A training helper in the browser: a dedicated worker with its own tfjs on
 * the wasm backend, computing the gradient of its share of each batch for
 * the engine worker (see step.ts). Only wasm is loaded here: helpers exist
 * for the CPU path, and the GPU backends stay with the engine.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { HelperRequest } from './helperProtocol';
import { shareServer } from './serve';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// As in the engine (tfBackends.ts): the single-threaded build, from the app's own files.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

const serve = shareServer({
  reply: (message, transfer) => scope.postMessage(message, transfer),
  async startBackend() {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start in the helper');
    await tf.ready();
    return 'wasm';
  },
});

scope.onmessage = (event: MessageEvent<HelperRequest>) => void serve(event.data);
