/**
 * The inside of a gradient helper thread (see src/node/gradientHelpers.ts):
 * the engine's helper code (src/worker/dataParallel/serve.ts) on its own
 * tfjs wasm instance. The main thread ends a helper by terminating its thread.
 */
import type { MessagePort } from 'node:worker_threads';
import { useNodeBackend } from '../node/backend';
import type { HelperRequest } from '../worker/dataParallel/helperProtocol';
import { shareServer } from '../worker/dataParallel/serve';

export function serveGradients(port: MessagePort): void {
  const serve = shareServer({
    reply: (message, transfer) => port.postMessage(message, transfer),
    async startBackend() {
      await useNodeBackend('wasm');
      return 'wasm';
    },
  });
  port.on('message', (request: HelperRequest) => void serve(request));
}
