/**
 * Gradient helpers on Node worker threads, one tfjs wasm instance each: the
 * tfjs wasm build runs on one thread in Node, so this is how pretraining
 * uses a second core.
 */
import { Worker } from 'node:worker_threads';
import type { PixelCNNConfig } from '../model/config';
import type { GradientHelper, ShareGradient } from '../pretrain/gradients';
import type { HelperReply, HelperRequest } from '../pretrain/gradientWorker';

/** scripts/gradient-helper.mjs, found from the project root. */
function helperScript(root: string): URL {
  return new URL('scripts/gradient-helper.mjs', `file://${root.endsWith('/') ? root : `${root}/`}`);
}

class ThreadHelper implements GradientHelper {
  private pending: { resolve(reply: HelperReply): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: HelperReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => this.fail(new Error(`a gradient helper thread exited (code ${code})`)));
  }

  private settle(reply: HelperReply): void {
    const pending = this.pending;
    this.pending = null;
    if (reply.type === 'error') pending?.reject(new Error(`gradient helper: ${reply.message}`));
    else pending?.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  request(message: HelperRequest, transfer: ArrayBuffer[] = []): Promise<HelperReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a gradient helper was sent a second request before answering the first'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  async shareGradient(weights: Float32Array[], pixels: Int32Array, count: number, labels?: Int32Array): Promise<ShareGradient> {
    const reply = await this.request({ type: 'share', weights, pixels, count, labels });
    if (reply.type !== 'share') throw new Error(`a gradient helper answered "${reply.type}" to a share request`);
    return reply.share;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the gradient helper is closed');
    await this.worker.terminate();
  }
}

/** Starts `count` helper threads for `config`, each ready to compute shares. */
export async function startGradientHelpers(root: string, config: PixelCNNConfig, count: number): Promise<GradientHelper[]> {
  const helpers = Array.from({ length: count }, () => new ThreadHelper(new Worker(helperScript(root))));
  try {
    await Promise.all(helpers.map((helper) => helper.request({ type: 'init', config })));
  } catch (error) {
    await Promise.all(helpers.map((helper) => helper.close()));
    throw error;
  }
  return helpers;
}
