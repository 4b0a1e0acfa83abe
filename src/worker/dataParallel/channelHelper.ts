/**
 * The engine's side of one gradient helper: sends requests down a link (a
 * browser Worker, a Node worker thread, a MessagePort in tests), matches the
 * replies, and turns a helper that crashes, exits or answers with an error
 * into a rejected promise with a sentence saying what happened.
 */
import type { PixelCNNConfig } from '../../model/config';
import { type HelperReply, type HelperRequest, flatten, unflatten } from './helperProtocol';
import type { GradientHelper, ShareGradient } from './shares';

export interface HelperLink {
  post(request: HelperRequest, transfer: Transferable[]): void;
  /** Ends the helper (terminates its worker). */
  close(): void | Promise<void>;
}

export class HelperFailure extends Error {
  override name = 'HelperFailure';
}

export class ChannelHelper implements GradientHelper {
  private pending: { resolve(reply: HelperReply): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  /** `name` appears in error messages, e.g. "training helper 2". */
  constructor(
    private readonly link: HelperLink,
    readonly name: string,
  ) {}

  /** Feed every message from the helper here. */
  receive(reply: HelperReply): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    if (reply.type === 'error') pending.reject(new HelperFailure(`${this.name}: ${reply.message}`));
    else pending.resolve(reply);
  }

  /** Call when the helper is gone (it crashed, exited, or its channel closed); the request in flight fails with `error`. */
  fail(error: Error): void {
    this.failure ??= error instanceof HelperFailure ? error : new HelperFailure(`${this.name} stopped: ${error.message}`);
    const pending = this.pending;
    this.pending = null;
    pending?.reject(this.failure);
  }

  /** Why the helper can no longer be used, or null while it can. */
  get failed(): Error | null {
    return this.failure;
  }

  private request(message: HelperRequest, transfer: Transferable[] = []): Promise<HelperReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new HelperFailure(`${this.name} was sent a second request before answering the first`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      try {
        this.link.post(message, transfer);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Builds the helper's model; resolves with the helper's backend name. */
  async init(config: PixelCNNConfig): Promise<string> {
    const reply = await this.request({ type: 'init', config });
    if (reply.type !== 'ready') throw new HelperFailure(`${this.name} answered "${reply.type}" to init`);
    return reply.backend;
  }

  async shareGradient(weights: Float32Array[], pixels: Int32Array, count: number, labels?: Int32Array): Promise<ShareGradient> {
    // One fresh buffer per helper, so it can be transferred; the caller's arrays stay usable.
    const flat = flatten(weights);
    const ownPixels = pixels.slice();
    const ownLabels = labels?.slice();
    const transfer: Transferable[] = [flat.buffer, ownPixels.buffer];
    if (ownLabels) transfer.push(ownLabels.buffer);
    const reply = await this.request({ type: 'share', weights: flat, pixels: ownPixels, count, labels: ownLabels }, transfer);
    if (reply.type !== 'share') throw new HelperFailure(`${this.name} answered "${reply.type}" to a share request`);
    return {
      count: reply.count,
      bits: reply.bits,
      gradients: unflatten(
        reply.gradients,
        weights.map((w) => w.length),
      ),
    };
  }

  async close(): Promise<void> {
    this.fail(new HelperFailure(`${this.name} was closed`));
    await this.link.close();
  }
}
