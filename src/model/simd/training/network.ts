import type { PixelCNNConfig } from '../../config';
import type { LayerPlan } from '../../gatedNetwork';
import { type Parameter, ParameterBlock, type ParameterSpec, type TapRule } from './parameters';
import { type AdamScalars, KernelSpace, type Region } from './space';

/**
 * What every architecture's training walker shares: the parameter block and
 * its gradients and Adam moments in one KernelSpace, the masked convolutions
 * as gathers over their open taps and products with packed weights, the
 * conditioning terms (bias, position, class) and their gradients, the input
 * (level embedding or scaled levels), and the softmax cross-entropy.
 *
 * Positions are the rows of every activation: N = count·H·W of them, image by
 * image in raster order, each a row of channels ([B, H, W, channels] as tfjs
 * lays it out).
 */

/** A masked convolution of the walker: its parameters and where its taps and transposed weight live. */
export interface Convolution {
  plan: LayerPlan;
  weight: Parameter;
  bias: Parameter;
  rows: Parameter | null;
  cols: Parameter | null;
  classTable: Parameter | null;
  inChannels: number;
  outChannels: number;
  tapCount: number;
  /** taps·inChannels: the width of a gathered row. */
  gathered: number;
  /** Just the unshifted centre tap (a 1×1 layer): the input is its own gather. */
  centreOnly: boolean;
  /** (dy, dx) of each open tap, as i32 pairs. */
  taps: Region;
  /** The packed weight transposed, [outChannels, gathered]: what carries the gradient back to the input. */
  weightT: Region;
}

/** A square matrix variable that the walker also needs transposed (the gated link). */
export interface Matrix {
  parameter: Parameter;
  size: number;
  transposed: Region;
}

/** The per-variable names of a layer in a model file, as the plan names them. */
export function layerSpecs(layer: LayerPlan): { weight: ParameterSpec; bias: ParameterSpec } {
  const { kernelSize: k, inChannels, outChannels } = layer;
  return {
    weight: { name: `${layer.name}/weight`, shape: [k, k, inChannels, outChannels], layer },
    bias: { name: `${layer.name}/bias`, shape: [outChannels] },
  };
}

/** The position tables (rows, cols, layer by layer), then the class tables: the end of every variable list (docs/ARCHITECTURES.md). */
export function tableSpecs(layers: LayerPlan[]): ParameterSpec[] {
  return [
    ...layers.flatMap((layer) =>
      layer.position
        ? [
            { name: `${layer.name}/rows`, shape: [layer.position.height, layer.outChannels] },
            { name: `${layer.name}/cols`, shape: [layer.position.width, layer.outChannels] },
          ]
        : [],
    ),
    ...layers.flatMap((layer) => (layer.classes ? [{ name: `${layer.name}/class`, shape: [layer.classes, layer.outChannels] }] : [])),
  ];
}

export interface AdamState {
  /** β1ᵗ and β2ᵗ as tfjs keeps them: float32, starting at β1 and β2. */
  accBeta1: number;
  accBeta2: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

export abstract class KernelNetwork {
  readonly space = new KernelSpace();
  readonly block: ParameterBlock;
  readonly values: Region;
  readonly grads: Region;
  private readonly moment1: Region;
  private readonly moment2: Region;
  private adamState: AdamState = { accBeta1: Math.fround(BETA1), accBeta2: Math.fround(BETA2) };
  /** Adam steps taken since the moments started from zero. */
  private iterations = 0;
  protected readonly convolutions: Convolution[] = [];
  protected readonly matrices: Matrix[] = [];
  private readonly byName = new Map<string, number>();
  /** A row of zeros as wide as the widest layer, for a conditioning term that is absent. */
  protected zeros!: Region;
  /** Where the arrays of a batch start. */
  private batchMark = 0;
  /** The batch size the arrays are laid out for; 0 before the first batch. */
  protected count = 0;
  protected labels: Int32Array | null = null;
  protected pixels: Int32Array = new Int32Array(0);
  protected readonly height: number;
  protected readonly width: number;

  constructor(
    readonly config: PixelCNNConfig,
    specs: ParameterSpec[],
    rule?: TapRule,
  ) {
    this.height = config.height;
    this.width = config.width;
    this.block = new ParameterBlock(specs, rule);
    this.block.parameters.forEach((p, i) => this.byName.set(p.name, i));
    this.values = this.space.allocate(this.block.length);
    this.grads = this.space.allocate(this.block.length);
    this.moment1 = this.space.allocate(this.block.length);
    this.moment2 = this.space.allocate(this.block.length);
  }

  /** Call at the end of the subclass's constructor, once its convolutions and matrices are made. */
  protected finishLayout(): void {
    const widest = Math.max(1, ...this.convolutions.map((c) => c.outChannels));
    this.zeros = this.space.allocate(widest);
    this.batchMark = this.space.mark();
  }

  protected parameter(name: string): Parameter {
    const index = this.byName.get(name);
    if (index === undefined) throw new Error(`no parameter ${name}`);
    return this.block.parameters[index];
  }

  protected optionalParameter(name: string): Parameter | null {
    const index = this.byName.get(name);
    return index === undefined ? null : this.block.parameters[index];
  }

  protected convolution(plan: LayerPlan): Convolution {
    const weight = this.parameter(`${plan.name}/weight`);
    const packed = weight.convolution!;
    const centre = (plan.kernelSize - 1) / 2;
    const taps = this.space.allocate(2 * packed.taps.length);
    packed.taps.forEach(([row, col], t) => {
      this.space.ints[taps.at + 2 * t] = row - centre;
      this.space.ints[taps.at + 2 * t + 1] = col - centre;
    });
    const gathered = packed.taps.length * plan.inChannels;
    const convolution: Convolution = {
      plan,
      weight,
      bias: this.parameter(`${plan.name}/bias`),
      rows: this.optionalParameter(`${plan.name}/rows`),
      cols: this.optionalParameter(`${plan.name}/cols`),
      classTable: this.optionalParameter(`${plan.name}/class`),
      inChannels: plan.inChannels,
      outChannels: plan.outChannels,
      tapCount: packed.taps.length,
      gathered,
      centreOnly: packed.taps.length === 1 && packed.taps[0][0] === centre && packed.taps[0][1] === centre,
      taps,
      weightT: this.space.allocate(gathered * plan.outChannels),
    };
    this.convolutions.push(convolution);
    return convolution;
  }

  protected matrix(name: string, size: number): Matrix {
    const matrix = { parameter: this.parameter(name), size, transposed: this.space.allocate(size * size) };
    this.matrices.push(matrix);
    return matrix;
  }

  // ---- values in and out (full tfjs shapes, the model's variable order) ----

  loadWeights(values: Float32Array[]): void {
    if (values.length !== this.block.parameters.length) throw new RangeError(`${values.length} arrays for ${this.block.parameters.length} variables`);
    const block = this.space.view(this.values);
    values.forEach((full, i) => this.block.pack(i, full, block));
    this.refreshTransposes();
  }

  weights(): Float32Array[] {
    const block = this.space.view(this.values);
    return this.block.parameters.map((_, i) => this.block.unpack(i, block));
  }

  gradientArrays(): Float32Array[] {
    const block = this.space.view(this.grads);
    return this.block.parameters.map((_, i) => this.block.unpack(i, block));
  }

  loadGradients(gradients: Float32Array[]): void {
    if (gradients.length !== this.block.parameters.length) throw new RangeError(`${gradients.length} gradients for ${this.block.parameters.length} variables`);
    this.space.zero(this.grads);
    const block = this.space.view(this.grads);
    gradients.forEach((full, i) => this.block.pack(i, full, block));
  }

  /** Forgets Adam's moments (a new optimizer, as tfjs's trainer makes when the learning rate changes). */
  resetOptimizer(): void {
    this.space.zero(this.moment1);
    this.space.zero(this.moment2);
    this.adamState = { accBeta1: Math.fround(BETA1), accBeta2: Math.fround(BETA2) };
    this.iterations = 0;
  }

  /** Adam's steps so far and its two moments per variable (full shapes), as tfjs's AdamOptimizer.getWeights holds them. */
  optimizerState(): { iterations: number; first: Float32Array[]; second: Float32Array[] } {
    const [m, v] = [this.space.view(this.moment1), this.space.view(this.moment2)];
    return {
      iterations: this.iterations,
      first: this.block.parameters.map((_, i) => this.block.unpack(i, m)),
      second: this.block.parameters.map((_, i) => this.block.unpack(i, v)),
    };
  }

  /** Takes Adam's state back, as tfjs's AdamOptimizer.setWeights does: β1ᵗ and β2ᵗ from the step count. */
  loadOptimizerState(state: { iterations: number; first: Float32Array[]; second: Float32Array[] }): void {
    const [m, v] = [this.space.view(this.moment1), this.space.view(this.moment2)];
    state.first.forEach((full, i) => this.block.pack(i, full, m));
    state.second.forEach((full, i) => this.block.pack(i, full, v));
    this.iterations = state.iterations;
    const f = Math.fround;
    this.adamState = { accBeta1: f(Math.pow(f(BETA1), state.iterations + 1)), accBeta2: f(Math.pow(f(BETA2), state.iterations + 1)) };
  }

  /** One Adam step with the gradients in the block, as tf.train.adam(learningRate) takes it with this epsilon. */
  adam(learningRate: number, epsilon: number): void {
    const f = Math.fround;
    const { accBeta1, accBeta2 } = this.adamState;
    const scalars: AdamScalars = {
      learningRate: f(learningRate),
      beta1: f(BETA1),
      beta2: f(BETA2),
      oneMinusBeta1: f(1 - BETA1),
      oneMinusBeta2: f(1 - BETA2),
      oneMinusAccBeta1: f(1 - accBeta1),
      oneMinusAccBeta2: f(1 - accBeta2),
      epsilon: f(epsilon),
    };
    this.space.adam(this.values.at, this.grads.at, this.moment1.at, this.moment2.at, this.block.length, scalars);
    this.adamState = { accBeta1: f(accBeta1 * f(BETA1)), accBeta2: f(accBeta2 * f(BETA2)) };
    this.iterations++;
    this.refreshTransposes();
  }

  /** The transposed copies of the weights, after the weights changed. */
  private refreshTransposes(): void {
    const heap = this.space.heap;
    const transpose = (from: number, to: number, rows: number, cols: number) => {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) heap[to + c * rows + r] = heap[from + r * cols + c];
    };
    for (const c of this.convolutions) transpose(this.values.at + c.weight.offset, c.weightT.at, c.gathered, c.outChannels);
    for (const m of this.matrices) transpose(this.values.at + m.parameter.offset, m.transposed.at, m.size, m.size);
  }

  // ---- a batch ----

  /** Lays out the arrays of a batch of `count` images (again only when the count changes) and takes its pixels and labels. */
  protected takeBatch(pixels: Int32Array, count: number, labels: Int32Array | undefined): void {
    const { height, width, colorChannels, levels, classes } = this.config;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`a batch needs at least one image, got ${count}`);
    if (pixels.length !== count * height * width * colorChannels)
      throw new RangeError(`${pixels.length} pixel values for ${count} images of ${height}×${width}×${colorChannels}`);
    for (const value of pixels) if (!(value >= 0 && value < levels)) throw new RangeError(`a pixel level ${value} is outside 0…${levels - 1}`);
    const rows = this.classRows();
    if (classes > 0) {
      if (!labels) throw new Error(`This model draws one of ${classes} classes: it needs a label for each image.`);
      if (labels.length !== count) throw new Error(`${labels.length} labels for ${count} images.`);
      for (const label of labels) if (!(label >= 0 && label < rows)) throw new RangeError(`label ${label} is outside 0…${rows - 1}`);
    }
    this.pixels = pixels;
    this.labels = classes > 0 ? labels! : null;
    if (count !== this.count) {
      this.space.release(this.batchMark);
      this.count = 0;
      try {
        this.layoutBatch(count * height * width);
      } catch (error) {
        this.space.release(this.batchMark);
        throw error;
      }
      this.count = count;
    }
  }

  /** Rows of each class table (0 for an unconditional model). */
  private classRows(): number {
    const table = this.convolutions.find((c) => c.classTable)?.classTable;
    return table ? table.shape[0] : 0;
  }

  /** Allocates the arrays of a batch of n positions. */
  protected abstract layoutBatch(n: number): void;

  protected get positions(): number {
    return this.count * this.height * this.width;
  }

  /** The network's input for the batch's pixels: embedded levels [N, C·E], or levels scaled to [-1, 1] [N, C]. */
  protected writeInput(x: Region, embedding: Parameter | null): void {
    const { levels } = this.config;
    const heap = this.space.heap;
    const pixels = this.pixels;
    if (embedding) {
      const size = embedding.shape[1];
      const table = this.values.at + embedding.offset;
      for (let r = 0; r < pixels.length; r++) {
        const row = table + ((r % this.config.colorChannels) * levels + pixels[r]) * size;
        heap.copyWithin(x.at + r * size, row, row + size);
      }
    } else {
      const f = Math.fround;
      const step = f(2 / (levels - 1));
      for (let r = 0; r < pixels.length; r++) heap[x.at + r] = f(f(pixels[r] * step) - 1);
    }
  }

  /** The embedding table's gradient from the input's, dx [N, C·E]: each row adds to the row its level picked. */
  protected embeddingBackward(dx: Region, embedding: Parameter): void {
    const { levels, colorChannels } = this.config;
    const heap = this.space.heap;
    const size = embedding.shape[1];
    const table = this.grads.at + embedding.offset;
    const pixels = this.pixels;
    for (let r = 0; r < pixels.length; r++) {
      const row = table + ((r % colorChannels) * levels + pixels[r]) * size;
      const from = dx.at + r * size;
      for (let e = 0; e < size; e++) heap[row + e] += heap[from + e];
    }
  }

  /** out [N, Cout] = the convolution of input [N, Cin] over its open taps, plus its conditioning; `gather` is scratch for the gathered rows. */
  protected convolve(c: Convolution, input: number, out: number, gather: number): void {
    const n = this.positions;
    const a = c.centreOnly ? input : gather;
    if (!c.centreOnly) this.space.gatherTaps(input, gather, this.count, this.height, this.width, c.inChannels, c.taps.at, c.tapCount);
    this.space.multiply(a, this.values.at + c.weight.offset, out, n, c.gathered, c.outChannels, false);
    this.condition(c, out);
  }

  /** Adds the bias, the class row of each image's label, and rows[i] + cols[j]. */
  private condition(c: Convolution, out: number): void {
    const { height: H, width: W, count } = this;
    const cout = c.outChannels;
    const v = this.values.at;
    for (let b = 0; b < count; b++) {
      const classRow = c.classTable && this.labels ? v + c.classTable.offset + this.labels[b] * cout : this.zeros.at;
      this.space.addTerms(out + b * H * W * cout, cout, v + c.bias.offset, 0, classRow, 0, H * W, cout);
    }
    if (c.rows && c.cols) {
      for (let b = 0; b < count; b++)
        for (let i = 0; i < H; i++) this.space.addTerms(out + (b * H + i) * W * cout, cout, v + c.rows.offset + i * cout, 0, v + c.cols.offset, cout, W, cout);
    }
  }

  /**
   * The convolution's gradients from dOut [N, Cout]: its weight (masked), bias and tables into the
   * gradient block, and, when dInput is given, the input's gradient written there (or added, with
   * `accumulate`). gather and dGather are scratch of N × gathered floats.
   */
  protected convolveBackward(c: Convolution, input: number, dOut: number, dInput: Region | null, accumulate: boolean, gather: number, dGather: number): void {
    const n = this.positions;
    this.conditionBackward(c, dOut);
    const a = c.centreOnly ? input : gather;
    if (!c.centreOnly) this.space.gatherTaps(input, gather, this.count, this.height, this.width, c.inChannels, c.taps.at, c.tapCount);
    const gradient = this.grads.at + c.weight.offset;
    this.space.addTransposedProduct(a, dOut, gradient, n, c.gathered, c.outChannels);
    const mask = c.weight.convolution!.mask;
    if (mask) {
      const heap = this.space.heap;
      for (let i = 0; i < mask.length; i++) if (mask[i] === 0) heap[gradient + i] = 0;
    }
    if (!dInput) return;
    if (c.centreOnly) {
      this.space.multiply(dOut, c.weightT.at, dInput.at, n, c.outChannels, c.inChannels, accumulate);
      return;
    }
    this.space.multiply(dOut, c.weightT.at, dGather, n, c.outChannels, c.gathered, false);
    if (!accumulate) this.space.zero(dInput);
    this.space.scatterTaps(dGather, dInput.at, this.count, this.height, this.width, c.inChannels, c.taps.at, c.tapCount);
  }

  private conditionBackward(c: Convolution, dOut: number): void {
    const { height: H, width: W, count } = this;
    const cout = c.outChannels;
    const g = this.grads.at;
    this.space.columnSums(dOut, cout, count * H * W, cout, g + c.bias.offset);
    if (c.classTable && this.labels) {
      for (let b = 0; b < count; b++) this.space.columnSums(dOut + b * H * W * cout, cout, H * W, cout, g + c.classTable.offset + this.labels[b] * cout);
    }
    if (c.rows && c.cols) {
      for (let b = 0; b < count; b++)
        for (let i = 0; i < H; i++) this.space.columnSums(dOut + (b * H + i) * W * cout, cout, W, cout, g + c.rows.offset + i * cout);
      for (let j = 0; j < W; j++) this.space.columnSums(dOut + j * cout, W * cout, count * H, cout, g + c.cols.offset + j * cout);
    }
  }

  /**
   * The mean cross-entropy in bits of the logits [N·C, levels] against the batch's pixels, and
   * its gradient written over the logits: (softmax − one-hot) / (N·C · ln 2).
   */
  protected crossEntropy(logits: Region, stats: Region): number {
    const { levels } = this.config;
    const rows = this.pixels.length;
    const heap = this.space.heap;
    const pixels = this.pixels;
    const targets = new Float32Array(rows);
    for (let r = 0; r < rows; r++) targets[r] = heap[logits.at + r * levels + pixels[r]];
    const scale = Math.fround(1 / (rows * Math.LN2));
    this.space.softmaxRows(logits.at, logits.at, stats.at, rows, levels, scale);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      total += heap[stats.at + 2 * r] + Math.log(heap[stats.at + 2 * r + 1]) - targets[r];
      heap[logits.at + r * levels + pixels[r]] -= scale;
    }
    return total / rows / Math.LN2;
  }

  /** The bits/dim of a batch before any step, and every gradient, left in the gradient block. */
  computeGradients(pixels: Int32Array, count: number, labels: Int32Array | undefined): number {
    this.takeBatch(pixels, count, labels);
    this.forward();
    const bits = this.lossAndLogitGradient();
    this.space.zero(this.grads);
    this.backward();
    return bits;
  }

  /** The logits of a batch, [count, H, W, C, levels] flattened (a copy). */
  logits(pixels: Int32Array, count: number, labels: Int32Array | undefined): Float32Array {
    this.takeBatch(pixels, count, labels);
    this.forward();
    return this.space.view(this.logitsRegion()).slice();
  }

  protected abstract forward(): void;
  protected abstract lossAndLogitGradient(): number;
  protected abstract backward(): void;
  protected abstract logitsRegion(): Region;

  /** Bytes of kernel memory this network holds (parameters, moments and the arrays of its last batch). */
  get bytes(): number {
    return this.space.bytes;
  }
}
