/**
 * Messages between a training engine and its gradient helpers (a browser
 * worker each, or a Node worker thread for `npm run pretrain`). A helper
 * answers one request at a time. Weights go out and gradients come back as
 * one flat Float32Array each (the variables in `model.variables` order, end
 * to end), transferred rather than copied.
 */
import type { PixelCNNConfig } from '../../model/config';

export type HelperRequest =
  /** Build (or rebuild) the helper's model for `config`, starting its backend first if needed. */
  | { type: 'init'; config: PixelCNNConfig }
  /** Take `weights`, and return the gradient of these `count` images (with their labels for a conditional model). */
  | { type: 'share'; weights: Float32Array; pixels: Int32Array; count: number; labels?: Int32Array };

export type HelperReply =
  /** `backend`: what the helper runs on, e.g. "wasm". */
  { type: 'ready'; backend: string } | { type: 'share'; count: number; bits: number; gradients: Float32Array } | { type: 'error'; message: string };

/** The arrays laid end to end in one new buffer. */
export function flatten(arrays: Float32Array[]): Float32Array {
  const flat = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    flat.set(a, offset);
    offset += a.length;
  }
  return flat;
}

/** Cuts `flat` into views of `sizes` values each; throws when the sizes do not add up. */
export function unflatten(flat: Float32Array, sizes: number[]): Float32Array[] {
  const total = sizes.reduce((n, s) => n + s, 0);
  if (flat.length !== total) throw new RangeError(`expected ${total} values for the model's variables, got ${flat.length}`);
  let offset = 0;
  return sizes.map((size) => {
    const view = flat.subarray(offset, offset + size);
    offset += size;
    return view;
  });
}
