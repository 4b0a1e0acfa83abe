import { KERNELS_WASM_BASE64 } from './kernels.generated';

/**
 * The incremental samplers' products in WebAssembly SIMD (kernels.wat): one
 * call per product, on arrays that live in the module's own memory, so
 * nothing is copied in or out and no tensor is made. No tfjs: it runs on
 * whatever backend is selected, and before tfjs has loaded.
 */

/** The compiled kernels; null where this engine has no WebAssembly SIMD. */
let compiled: WebAssembly.Module | null | undefined;

/** The compiled module (kernels.wat), shared by the samplers and the training kernels; null where WebAssembly SIMD is missing. */
export function kernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Whether the SIMD kernels can run here (every current browser and Node). */
export function simdAvailable(): boolean {
  return kernelsModule() !== null;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  multiply(a: number, w: number, out: number, n: number, rows: number, cols: number): void;
  gate(pre: number, preStride: number, target: number, targetStride: number, n: number, q: number): void;
  addTerms(target: number, targetStride: number, a: number, aStride: number, b: number, bStride: number, n: number, width: number): void;
  relu(target: number, targetStride: number, source: number, sourceStride: number, n: number, width: number): void;
}

/**
 * The samplers' kernels over arrays of one space (strides and offsets in floats). The SIMD space runs them in
 * WebAssembly; incrementalArithmetic.ts has the same in plain JavaScript.
 */
export interface SamplerKernels {
  /** out[0 … n·cols) = a[0 … n·rows) · w, with w [rows, cols] row-major. */
  multiply(a: Float32Array, w: Float32Array, out: Float32Array, n: number, rows: number, cols: number): void;
  /**
   * The gated activation of n rows: target[targetAt + r·targetStride + o] = tanh(f) · σ(g) for o < q, where
   * f = pre[preAt + r·preStride + o] and g = pre[preAt + r·preStride + q + o].
   */
  gate(pre: Float32Array, preAt: number, preStride: number, target: Float32Array, targetAt: number, targetStride: number, n: number, q: number): void;
  /** target[targetAt + r·targetStride + o] += a[aAt + r·aStride + o] + b[bAt + r·bStride + o] for r < n, o < width; a stride of 0 adds one row to every row. */
  addTerms(
    target: Float32Array,
    targetAt: number,
    targetStride: number,
    a: Float32Array,
    aAt: number,
    aStride: number,
    b: Float32Array,
    bAt: number,
    bStride: number,
    n: number,
    width: number,
  ): void;
  /** target[targetAt + r·targetStride + o] = max(source[sourceAt + r·sourceStride + o], 0) for r < n, o < width. */
  relu(
    target: Float32Array,
    targetAt: number,
    targetStride: number,
    source: Float32Array,
    sourceAt: number,
    sourceStride: number,
    n: number,
    width: number,
  ): void;
}

/** Float32 arrays that the kernels can read and write, all in one module instance's memory. */
export interface SimdSpace extends SamplerKernels {
  /** Zeroed arrays of the lengths asked for, in the same order. */
  arrays: Float32Array[];
  /** The whole memory: arrays[i] starts at heap index arrays[i].byteOffset / 4. */
  heap: Float32Array;
}

const PAGE_BYTES = 65_536;

/**
 * Where arrays of `lengths` floats start (in bytes) when laid out one after
 * another, each 16-byte aligned, and the bytes they take, with 16 more past
 * the last (the gate may read up to 3 floats past its last row).
 */
export function arrayLayout(lengths: number[]): { offsets: number[]; bytes: number } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const length of lengths) {
    offsets.push(bytes);
    bytes += Math.ceil((length * 4) / 16) * 16;
  }
  return { offsets, bytes: bytes + 16 };
}

/**
 * One instance of the kernels with room for arrays of `lengths` floats, each
 * 16-byte aligned. Its memory is sized once, before any view is made (growing
 * it would detach the views); null where SIMD is missing.
 */
export function simdSpace(lengths: number[]): SimdSpace | null {
  const module = kernelsModule();
  if (!module) return null;
  const { offsets, bytes } = arrayLayout(lengths);
  const kernels = new WebAssembly.Instance(module).exports as unknown as KernelExports;
  const { memory } = kernels;
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES));
  const { buffer } = memory;
  const arrays = lengths.map((length, i) => new Float32Array(buffer, offsets[i], length));
  return {
    arrays,
    heap: new Float32Array(buffer),
    multiply(a, w, out, n, rows, cols) {
      if (a.buffer !== buffer || w.buffer !== buffer || out.buffer !== buffer) throw new Error('SimdSpace.multiply: an array is not from this space');
      kernels.multiply(a.byteOffset, w.byteOffset, out.byteOffset, n, rows, cols);
    },
    gate(pre, preAt, preStride, target, targetAt, targetStride, n, q) {
      if (pre.buffer !== buffer || target.buffer !== buffer) throw new Error('SimdSpace.gate: an array is not from this space');
      kernels.gate(pre.byteOffset + 4 * preAt, preStride, target.byteOffset + 4 * targetAt, targetStride, n, q);
    },
    addTerms(target, targetAt, targetStride, a, aAt, aStride, b, bAt, bStride, n, width) {
      if (target.buffer !== buffer || a.buffer !== buffer || b.buffer !== buffer) throw new Error('SimdSpace.addTerms: an array is not from this space');
      kernels.addTerms(target.byteOffset + 4 * targetAt, targetStride, a.byteOffset + 4 * aAt, aStride, b.byteOffset + 4 * bAt, bStride, n, width);
    },
    relu(target, targetAt, targetStride, source, sourceAt, sourceStride, n, width) {
      if (target.buffer !== buffer || source.buffer !== buffer) throw new Error('SimdSpace.relu: an array is not from this space');
      kernels.relu(target.byteOffset + 4 * targetAt, targetStride, source.byteOffset + 4 * sourceAt, sourceStride, n, width);
    },
  };
}
