import { arrayLayout, type SimdSpace, simdSpace } from './simd/simd';

/**
 * How the incremental samplers multiply a gathered patch by a matrix of
 * open-tap weights:
 * - 'simd': the WebAssembly SIMD kernels (simd/kernels.wat), on arrays in
 *   the kernels' own memory; the fastest on every backend, since the
 *   products are small and a tfjs call per product would cost more than the
 *   product;
 * - 'javascript': plain loops, which skip ReLU zeros; where WebAssembly
 *   SIMD is missing, and for the parity tests;
 * - 'auto': 'simd' where it runs, else 'javascript'.
 */
export type IncrementalArithmetic = 'auto' | 'javascript' | 'simd';

/** The arrays a sampling run works in (all views of `heap`), and the kernels over them. */
export interface Workspace extends SimdSpace {
  arithmetic: 'javascript' | 'simd';
  /** to[toAt …] = from[fromAt …], n values: one copyWithin over the shared memory, with no loop and no subarray made. */
  copy(from: Float32Array, fromAt: number, to: Float32Array, toAt: number, n: number): void;
}

export function workspace(lengths: number[], arithmetic: IncrementalArithmetic): Workspace {
  const simd = arithmetic === 'javascript' ? null : simdSpace(lengths);
  if (!simd && arithmetic === 'simd') throw new Error('This JavaScript engine has no WebAssembly SIMD.');
  const space = simd ? { arithmetic: 'simd' as const, ...simd } : javascriptSpace(lengths);
  const { heap } = space;
  return {
    ...space,
    copy(from, fromAt, to, toAt, n) {
      const source = from.byteOffset / 4 + fromAt;
      heap.copyWithin(to.byteOffset / 4 + toAt, source, source + n);
    },
  };
}

/** The same layout as the SIMD kernels' memory, in a plain ArrayBuffer. */
function javascriptSpace(lengths: number[]): Omit<Workspace, 'copy'> {
  const { offsets, bytes } = arrayLayout(lengths);
  const buffer = new ArrayBuffer(bytes);
  const arrays = lengths.map((length, i) => new Float32Array(buffer, offsets[i], length));
  return {
    arithmetic: 'javascript',
    arrays,
    heap: new Float32Array(buffer),
    multiply: multiplyInJavaScript,
    gate: gateInJavaScript,
    addTerms: addTermsInJavaScript,
    relu: reluInJavaScript,
  };
}

function multiplyInJavaScript(a: Float32Array, w: Float32Array, out: Float32Array, n: number, rows: number, cols: number): void {
  out.fill(0, 0, n * cols);
  for (let i = 0; i < n; i++) {
    const oRow = i * cols;
    for (let k = 0; k < rows; k++) {
      const value = a[i * rows + k];
      if (value === 0) continue; // many hidden features are ReLU zeros
      const wRow = k * cols;
      for (let o = 0; o < cols; o++) out[oRow + o] += value * w[wRow + o];
    }
  }
}

/** tanh(f) · σ(g), with tanh(f) = 1 − 2 / (e^2f + 1): one exp each (Math.tanh costs about two), and no NaN at ±∞. */
function gateInJavaScript(
  pre: Float32Array,
  preAt: number,
  preStride: number,
  target: Float32Array,
  targetAt: number,
  targetStride: number,
  n: number,
  q: number,
): void {
  for (let r = 0; r < n; r++) {
    const f = preAt + r * preStride;
    const t = targetAt + r * targetStride;
    for (let o = 0; o < q; o++) target[t + o] = (1 - 2 / (Math.exp(2 * pre[f + o]) + 1)) / (1 + Math.exp(-pre[f + q + o]));
  }
}

function addTermsInJavaScript(
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
): void {
  for (let r = 0; r < n; r++) {
    const t = targetAt + r * targetStride;
    const x = aAt + r * aStride;
    const y = bAt + r * bStride;
    for (let o = 0; o < width; o++) target[t + o] += a[x + o] + b[y + o];
  }
}

function reluInJavaScript(
  target: Float32Array,
  targetAt: number,
  targetStride: number,
  source: Float32Array,
  sourceAt: number,
  sourceStride: number,
  n: number,
  width: number,
): void {
  for (let r = 0; r < n; r++) {
    const t = targetAt + r * targetStride;
    const s = sourceAt + r * sourceStride;
    for (let o = 0; o < width; o++) target[t + o] = source[s + o] > 0 ? source[s + o] : 0;
  }
}
