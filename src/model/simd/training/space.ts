import { trainingKernelsModule } from './module';

/**
 * The training kernels of kernels.wat over one growable module memory. Every
 * array of a training step lives here, as a region: `length` floats from the
 * float index `at`. Regions are taken from a stack (`allocate`, `release`),
 * so a trainer keeps its parameters at the bottom and lays out the arrays of
 * a batch above them, again when the batch size changes. Growing the memory
 * replaces `heap` and `ints`: read them afresh after any allocation.
 */

interface TrainingExports {
  memory: WebAssembly.Memory;
  gate(pre: number, preStride: number, target: number, targetStride: number, n: number, q: number): void;
  addTerms(target: number, targetStride: number, a: number, aStride: number, b: number, bStride: number, n: number, width: number): void;
  relu(target: number, targetStride: number, source: number, sourceStride: number, n: number, width: number): void;
  multiplyInto(a: number, w: number, out: number, n: number, rows: number, cols: number, accumulate: number): void;
  multiplyTransposedA(a: number, b: number, out: number, n: number, rows: number, cols: number, accumulate: number): void;
  gatherTaps(x: number, cols: number, batch: number, height: number, width: number, channels: number, taps: number, tapCount: number): void;
  scatterTaps(dcols: number, dx: number, batch: number, height: number, width: number, channels: number, taps: number, tapCount: number): void;
  gateBackward(pre: number, dOut: number, dPre: number, rows: number, q: number): void;
  reluBackward(pre: number, dOut: number, dPre: number, n: number): void;
  columnSums(source: number, sourceStride: number, n: number, width: number, target: number): void;
  softmaxRows(logits: number, probs: number, stats: number, rows: number, levels: number, scale: number): void;
  adam(
    values: number,
    grads: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    epsilon: number,
  ): void;
}

/** `length` floats from float index `at` of a KernelSpace. */
export interface Region {
  at: number;
  length: number;
}

const PAGE_BYTES = 65_536;

/**
 * Rows of aᵀ·b summed per call of multiplyTransposedA: a chunk of both inputs
 * stays in cache while every 4 × 8 block of the result reads it.
 */
const GRADIENT_CHUNK = 128;
/** Rows of a per call of multiplyInto (a multiple of 4, the kernel's block of rows). */
const PRODUCT_CHUNK = 64;

export class KernelSpace {
  private readonly kernels: TrainingExports;
  heap: Float32Array;
  ints: Int32Array;
  /** The first free float. */
  private top = 0;

  constructor() {
    const module = trainingKernelsModule();
    if (!module) throw new Error('This engine has no WebAssembly SIMD.');
    this.kernels = new WebAssembly.Instance(module).exports as unknown as TrainingExports;
    this.heap = new Float32Array(this.kernels.memory.buffer);
    this.ints = new Int32Array(this.kernels.memory.buffer);
  }

  /** A zeroed region of `length` floats, 16-byte aligned, with 4 floats to spare past it (the gate reads up to 3 past its last row). */
  allocate(length: number): Region {
    const at = this.top;
    this.top += Math.ceil(length / 4) * 4 + 4;
    const needed = this.top * 4 - this.kernels.memory.buffer.byteLength;
    if (needed > 0) {
      try {
        this.kernels.memory.grow(Math.ceil(needed / PAGE_BYTES));
      } catch {
        this.top = at;
        const mb = Math.ceil((this.top * 4 + length * 4) / 1e6);
        throw new Error(`The SIMD training kernels could not get the ${mb} MB of WebAssembly memory this step needs: try a smaller batch.`);
      }
      this.heap = new Float32Array(this.kernels.memory.buffer);
      this.ints = new Int32Array(this.kernels.memory.buffer);
    }
    this.heap.fill(0, at, this.top);
    return { at, length };
  }

  /** Where the next region would start: `release` of it frees every region taken since. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Bytes of module memory in use. */
  get bytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  view(region: Region): Float32Array {
    return this.heap.subarray(region.at, region.at + region.length);
  }

  zero(region: Region): void {
    this.heap.fill(0, region.at, region.at + region.length);
  }

  /**
   * out[n × cols] = a[n × rows] · w[rows × cols], or += with `accumulate` (float indices), in
   * chunks of rows: the kernel's outer loop runs over 8-column strips of w, so a chunk of a
   * stays in cache while every strip reads it.
   */
  multiply(a: number, w: number, out: number, n: number, rows: number, cols: number, accumulate: boolean): void {
    for (let start = 0; start < n; start += PRODUCT_CHUNK) {
      const length = Math.min(PRODUCT_CHUNK, n - start);
      this.kernels.multiplyInto(4 * (a + start * rows), 4 * w, 4 * (out + start * cols), length, rows, cols, accumulate ? 1 : 0);
    }
  }

  /** out[rows × cols] += aᵀ · b for a [n × rows] and b [n × cols]: a weight's gradient, summed in chunks of rows. */
  addTransposedProduct(a: number, b: number, out: number, n: number, rows: number, cols: number): void {
    for (let start = 0; start < n; start += GRADIENT_CHUNK) {
      const length = Math.min(GRADIENT_CHUNK, n - start);
      this.kernels.multiplyTransposedA(4 * (a + start * rows), 4 * (b + start * cols), 4 * out, length, rows, cols, 1);
    }
  }

  gatherTaps(x: number, cols: number, batch: number, height: number, width: number, channels: number, taps: number, tapCount: number): void {
    this.kernels.gatherTaps(4 * x, 4 * cols, batch, height, width, channels, 4 * taps, tapCount);
  }

  scatterTaps(dcols: number, dx: number, batch: number, height: number, width: number, channels: number, taps: number, tapCount: number): void {
    this.kernels.scatterTaps(4 * dcols, 4 * dx, batch, height, width, channels, 4 * taps, tapCount);
  }

  /** target[r·q + o] = tanh(f) · σ(g) for rows of pre [f (q) | g (q)]. */
  gate(pre: number, target: number, rows: number, q: number): void {
    this.kernels.gate(4 * pre, 2 * q, 4 * target, q, rows, q);
  }

  gateBackward(pre: number, dOut: number, dPre: number, rows: number, q: number): void {
    this.kernels.gateBackward(4 * pre, 4 * dOut, 4 * dPre, rows, q);
  }

  /** target[r·targetStride + o] += a[r·aStride + o] + b[r·bStride + o] (strides in floats; 0 repeats a row). */
  addTerms(target: number, targetStride: number, a: number, aStride: number, b: number, bStride: number, n: number, width: number): void {
    this.kernels.addTerms(4 * target, targetStride, 4 * a, aStride, 4 * b, bStride, n, width);
  }

  relu(target: number, source: number, n: number): void {
    this.kernels.relu(4 * target, n, 4 * source, n, 1, n);
  }

  reluBackward(pre: number, dOut: number, dPre: number, n: number): void {
    this.kernels.reluBackward(4 * pre, 4 * dOut, 4 * dPre, n);
  }

  columnSums(source: number, sourceStride: number, n: number, width: number, target: number): void {
    this.kernels.columnSums(4 * source, sourceStride, n, width, 4 * target);
  }

  softmaxRows(logits: number, probs: number, stats: number, rows: number, levels: number, scale: number): void {
    this.kernels.softmaxRows(4 * logits, 4 * probs, 4 * stats, rows, levels, scale);
  }

  adam(values: number, grads: number, m: number, v: number, n: number, s: AdamScalars): void {
    this.kernels.adam(
      4 * values,
      4 * grads,
      4 * m,
      4 * v,
      n,
      s.learningRate,
      s.beta1,
      s.beta2,
      s.oneMinusBeta1,
      s.oneMinusBeta2,
      s.oneMinusAccBeta1,
      s.oneMinusAccBeta2,
      s.epsilon,
    );
  }
}

/** The scalars of one Adam step, as float32 values (tfjs's scalars are float32). */
export interface AdamScalars {
  learningRate: number;
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
}
