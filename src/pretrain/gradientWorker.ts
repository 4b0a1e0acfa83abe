/**
 * The inside of a gradient helper thread (see gradients.ts and
 * src/node/gradientHelpers.ts): its own tfjs on wasm and its own copy of the
 * model, whose weights the main thread replaces before every share. The
 * main thread ends a helper by terminating its thread.
 */
import * as tf from '@tensorflow/tfjs';
import type { MessagePort } from 'node:worker_threads';
import type { PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { useNodeBackend } from '../node/backend';
import { type ShareGradient, shareGradient } from './gradients';

export type HelperRequest =
  | { type: 'init'; config: PixelCNNConfig }
  | { type: 'share'; weights: Float32Array[]; pixels: Int32Array; count: number; labels?: Int32Array };

export type HelperReply =
  | { type: 'ready' }
  | { type: 'share'; share: ShareGradient }
  | { type: 'error'; message: string };

export function serveGradients(port: MessagePort): void {
  let model: ReturnType<typeof createPixelCNN> | undefined;
  const reply = (message: HelperReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

  async function handle(request: HelperRequest): Promise<void> {
    if (request.type === 'init') {
      await useNodeBackend('wasm');
      model = createPixelCNN(request.config);
      reply({ type: 'ready' });
    } else {
      if (!model) throw new Error('the helper was asked for a gradient before it was given a model');
      const target = model;
      target.variables.forEach((variable, i) => tf.tidy(() => variable.assign(tf.tensor(request.weights[i], variable.shape))));
      const share = await shareGradient(target, request.pixels, request.count, request.labels);
      reply({ type: 'share', share }, share.gradients.map((g) => g.buffer as ArrayBuffer));
    }
  }

  // One request at a time: the main thread waits for each share before sending the next.
  port.on('message', (request: HelperRequest) => {
    handle(request).catch((error: unknown) => reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
}
