/**
 * The inside of a gradient helper: its own tfjs instance and its own copy of
 * the model, whose weights the engine replaces before every share. The same
 * code runs in a browser worker (helper.worker.ts) and in a Node worker
 * thread (src/pretrain/gradientWorker.ts); the host says how to reply and
 * how to start the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { type PixelCNN, createPixelCNN } from '../../model/pixelcnn';
import { sameConfig } from './sameConfig';
import { type HelperReply, type HelperRequest, flatten } from './helperProtocol';
import { shareGradient } from './shares';

export interface HelperHost {
  reply(message: HelperReply, transfer: ArrayBuffer[]): void;
  /** Starts the helper's tfjs backend and returns its name. */
  startBackend(): Promise<string>;
}

/** Returns the handler for the helper's incoming requests; requests are served one at a time, in order. */
export function shareServer(host: HelperHost): (request: HelperRequest) => Promise<void> {
  let model: PixelCNN | null = null;
  let backend: Promise<string> | null = null;
  let queue: Promise<void> = Promise.resolve();

  async function handle(request: HelperRequest): Promise<void> {
    switch (request.type) {
      case 'init': {
        backend ??= host.startBackend();
        const name = await backend;
        if (!model || !sameConfig(model.config, request.config)) {
          model?.dispose();
          model = createPixelCNN(request.config);
        }
        host.reply({ type: 'ready', backend: name }, []);
        return;
      }
      case 'share': {
        if (!model) throw new Error('the helper was asked for a gradient before it was given a model');
        const target = model;
        const size = target.variables.reduce((n, v) => n + v.size, 0);
        if (size !== request.weights.length) throw new Error(`the helper's model has ${size} weights, but ${request.weights.length} were sent`);
        let offset = 0;
        for (const variable of target.variables) {
          const values = request.weights.subarray(offset, offset + variable.size);
          offset += variable.size;
          tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
        }
        const share = await shareGradient(target, request.pixels, request.count, request.labels);
        const flat = flatten(share.gradients);
        host.reply({ type: 'share', count: share.count, bits: share.bits, gradients: flat }, [flat.buffer as ArrayBuffer]);
        return;
      }
      default: {
        const unknown: never = request;
        throw new Error(`unknown helper request ${JSON.stringify(unknown)}`);
      }
    }
  }

  return (request) => {
    queue = queue
      .then(() => handle(request))
      .catch((error: unknown) => host.reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }, []));
    return queue;
  };
}
