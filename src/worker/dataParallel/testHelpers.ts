import * as tf from '@tensorflow/tfjs';
import { MessageChannel } from 'node:worker_threads';
import { ChannelHelper } from './channelHelper';
import type { HelperReply, HelperRequest } from './helperProtocol';
import { shareServer } from './serve';

/**
 * A helper in this process, on the other end of a real MessageChannel: the
 * same server code as a browser or thread helper, on this tfjs instance.
 * `dieOnShare`: the helper's side closes the channel when it is asked for
 * its nth share (counting from 1), as a crashed worker would vanish.
 * `kernelBackends`: where the helper computes shares on the SIMD kernels (default wasm).
 */
export function channelHelper(index: number, dieOnShare = Infinity, kernelBackends?: readonly string[]): { helper: ChannelHelper; close(): void } {
  const { port1, port2 } = new MessageChannel();
  let shares = 0;
  const serve = shareServer({
    reply: (message, transfer) => port2.postMessage(message, transfer),
    startBackend: async () => tf.getBackend(),
    kernelBackends,
  });
  port2.on('message', (request: HelperRequest) => {
    if (request.type === 'share' && ++shares >= dieOnShare) {
      port2.close();
      return;
    }
    void serve(request);
  });
  const helper = new ChannelHelper(
    { post: (request, transfer) => port1.postMessage(request, transfer as ArrayBuffer[]), close: () => port1.close() },
    `training helper ${index}`,
  );
  port1.on('message', (reply: HelperReply) => helper.receive(reply));
  port1.on('close', () => helper.fail(new Error('its channel closed')));
  return { helper, close: () => port1.close() };
}
