/**
 * Starts a training helper as a browser worker (helper.worker.ts) and wires
 * its messages and crashes to a ChannelHelper.
 */
import { ChannelHelper } from './channelHelper';
import type { HelperReply } from './helperProtocol';

export function startBrowserHelper(index: number): ChannelHelper {
  const worker = new Worker(new URL('./helper.worker.ts', import.meta.url), { type: 'module', name: `training-helper-${index}` });
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
