/**
 * The inside of a gradient helper: its own tfjs instance and its own copy of
 * the model, whose weights the engine replaces before every share. The same
 * code runs in a browser worker (helper.worker.ts) and in a Node worker
 * thread (src/pretrain/gradientWorker.ts); the host says how to reply and
 * how to start the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { type PixelCNN, createPixelCNN } from '../../model/pixelcnn';
import { KernelTrainer, kernelTrainingUnsupported } from '../../model/simd/training/kernelTrainer';
import { sameConfig } from './sameConfig';
import { type HelperReply, type HelperRequest, flatten } from './helperProtocol';
import { shareGradient } from './shares';

export interface HelperHost {
  reply(message: HelperReply, transfer: ArrayBuffer[]): void;
  /** Starts the helper's tfjs backend and returns its name. */
  startBackend(): Promise<string>;
  /** Backends on which shares are computed by the SIMD kernel trainer when it can train the model (default: wasm, as the engine). */
  kernelBackends?: readonly string[];
}

/** Returns the handler for the helper's incoming requests; requests are served one at a time, in order. */
export function shareServer(host: HelperHost): (request: HelperRequest) => Promise<void> {
  let model: PixelCNN | null = null;
  /** The kernel trainer for the model, on a kernel backend when it can train it. */
  let kernels: KernelTrainer | null = null;
  let backend: Promise<string> | null = null;
  let queue: Promise<void> = Promise.resolve();

  async function handle(request: HelperRequest): Promise<void> {
    switch (request.type) {
      case 'init': {
        backend ??= host.startBackend();
        const name = await backend;
        if (!model || !sameConfig(model.config, request.config)) {
          model?.dispose();
          kernels?.dispose();
          model = createPixelCNN(request.config);
          const onKernels = (host.kernelBackends ?? ['wasm']).includes(tf.getBackend()) && kernelTrainingUnsupported(model) === null;
          kernels = onKernels ? await KernelTrainer.create(model) : null;
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
        const values = target.variables.map((variable) => request.weights.subarray(offset, (offset += variable.size)));
        let share;
        if (kernels) {
          kernels.loadWeights(values);
          share = { count: request.count, ...kernels.gradients(request.pixels, request.count, request.labels) };
        } else {
          target.variables.forEach((variable, i) => tf.tidy(() => variable.assign(tf.tensor(values[i], variable.shape))));
          share = await shareGradient(target, request.pixels, request.count, request.labels);
        }
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
