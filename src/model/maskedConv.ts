import * as tf from '@tensorflow/tfjs';
import { identifyMask, type MaskRegion, type MaskType, type StandardMask } from './masks';

/**
 * A stride-1, 'same'-padded convolution whose kernel is multiplied by a
 * fixed 0/1 mask, as one op with its own gradient that touches only the
 * spatial taps the mask leaves open.
 *
 * Every layer of the model goes through this one function, so a faster
 * implementation can replace it in one place.
 *
 * How it works. The open taps of a mask are cut into rectangles of the kernel
 * ("blocks"): for a causal k×k mask that is the c = (k-1)/2 rows above the
 * centre (c×k taps) and the centre row up to the centre (1×c or 1×(c+1)).
 * Each block is an ordinary 'valid' convolution over a shifted window of the
 * input, so the op runs one small convolution per block instead of one k×k
 * convolution, and never computes a closed tap (about half of k² for a causal
 * mask). Windows are zero padding or cropping given to conv2d itself, never a
 * copy of the input per tap. All three gradients are forward convolutions
 * too, so every backend that has Conv2D can train through the op, including
 * tfjs-backend-wasm, which has neither Conv2DBackpropFilter nor a fast
 * Conv2DBackpropInput:
 *
 *   forward  y   = Σ_blocks conv(window_b(x), K_b) + bias,   K = weight ⊙ mask
 *   input    dx  = Σ_blocks conv(window'_b(dy), flip(K_b) with in/out swapped)
 *   weight   dK_b = conv of the window of x with dy as the filter, batch and
 *                  channel axes swapped ([Cin,H,W,B] ⊛ [H,W,B,Cout] → [Cin,rows,cols,Cout]),
 *            dW  = (dK scattered back into the k×k grid, zeros elsewhere) ⊙ mask
 *   bias     db  = Σ dy
 *
 * A block that is just the unshifted centre tap (a 1×1 layer) takes plain
 * matMuls instead. The bias rides along with the first block's convolution.
 * On tfjs-backend-wasm under Node the default model's forward pass is about
 * 1.8× faster than with conv2d on the full k×k kernel, and plain conv2d
 * cannot train there at all (`npm run bench:train`).
 *
 * Because of the final ⊙ mask, masked weights get exactly zero gradient: they
 * never move, whatever the optimizer does, and no forward pass can see
 * through them.
 *
 * Specialised kernels. A backend may register kernels under the three names
 * in MASKED_CONV_KERNELS (src/kernels/webgpu does, for WebGPU) that compute
 * the forward pass and both gradients for a mask built by `maskValues`,
 * given only its type and colour groups as attrs. When the active backend has
 * all three and the mask is such a mask, the op runs them instead of the
 * blocks above; this module never imports a backend.
 */

/** Kernel names a backend registers to take over the op (see above). */
export const MASKED_CONV_KERNELS = {
  /** inputs {x, w, bias} → y [B,H,W,Cout] = conv(x, w ⊙ mask, same) + bias */
  forward: 'PixelCNNMaskedConv',
  /** inputs {dy, w} → dx [B,H,W,Cin] */
  inputGradient: 'PixelCNNMaskedConvInputGrad',
  /** inputs {x, dy} → dW [k,k,Cin,Cout], zero on closed taps */
  weightGradient: 'PixelCNNMaskedConvWeightGrad',
} as const;

/** The attrs of the three kernels: what they bake into their code. */
export type MaskedConvKernelAttrs = {
  kernelSize: number;
  maskType: MaskType;
  colorChannels: number;
  region: MaskRegion;
};

/** The mask regions the specialised kernels compute; other masks take the tap-block path. */
const KERNEL_REGIONS: readonly MaskRegion[] = ['causal', 'horizontal', 'vertical'];

/** A rectangle of open spatial taps: kernel rows [row, row+rows), cols [col, col+cols). */
export interface TapBlock {
  row: number;
  rows: number;
  col: number;
  cols: number;
}

/** What the op needs to know about a mask, computed once per mask tensor. */
export interface MaskedConvPlan {
  kernelSize: number;
  /** Disjoint rectangles covering exactly the spatial taps open for some channel pair. */
  blocks: TapBlock[];
  /** The type and colour groups when the mask is exactly one `maskValues` builds, else null. */
  standardMask: StandardMask | null;
}

export interface MaskedConvOptions {
  /**
   * False when the input is a constant (the first layer's input is the
   * image): the op then skips the input gradient, and asking for it is an
   * error ("not a function of x") rather than a silent zero. Default true.
   */
  inputGradient?: boolean;
}

/**
 * The spatial taps of an HWIO mask that are open for at least one channel
 * pair, cut into rectangles: per kernel row, maximal runs of open columns;
 * consecutive rows with the same runs merge into one block.
 */
export function tapBlocks(values: ArrayLike<number>, kernelSize: number, inChannels: number, outChannels: number): TapBlock[] {
  const k = kernelSize;
  const perTap = inChannels * outChannels;
  if (values.length !== k * k * perTap) {
    throw new Error(`Mask has ${values.length} values, expected ${k}·${k}·${inChannels}·${outChannels}.`);
  }
  const open = (row: number, col: number): boolean => {
    const start = (row * k + col) * perTap;
    for (let i = start; i < start + perTap; i++) if (values[i] !== 0) return true;
    return false;
  };
  const blocks: TapBlock[] = [];
  let previous: TapBlock[] = [];
  for (let row = 0; row < k; row++) {
    const runs: Array<[number, number]> = [];
    for (let col = 0; col < k; col++) {
      if (!open(row, col)) continue;
      const last = runs[runs.length - 1];
      if (last && last[0] + last[1] === col) last[1]++;
      else runs.push([col, 1]);
    }
    const sameAsPrevious = runs.length === previous.length && runs.every(([col, cols], i) => previous[i].col === col && previous[i].cols === cols);
    if (sameAsPrevious) {
      for (const block of previous) block.rows++;
    } else {
      previous = runs.map(([col, cols]) => ({ row, rows: 1, col, cols }));
      blocks.push(...previous);
    }
  }
  return blocks;
}

const planCache = new WeakMap<tf.Tensor, MaskedConvPlan>();

/**
 * The plan of a mask tensor, cached on the tensor (a mask is never written
 * to). Pass the mask's values when you have them, to skip reading them back,
 * and `standard` when they were made by maskValues with those parameters, to
 * skip recognising them (identifyMask builds every candidate mask to compare).
 */
export function maskedConvPlan(mask: tf.Tensor4D, values?: ArrayLike<number>, standard?: StandardMask): MaskedConvPlan {
  let plan = planCache.get(mask);
  if (!plan) {
    const [k, kw, inChannels, outChannels] = mask.shape;
    if (k !== kw) throw new Error(`Masked convolution kernels must be square, got ${k}×${kw}.`);
    const maskData = values ?? mask.dataSync();
    plan = {
      kernelSize: k,
      blocks: tapBlocks(maskData, k, inChannels, outChannels),
      standardMask: standard ?? identifyMask(maskData, k, inChannels, outChannels),
    };
    planCache.set(mask, plan);
  }
  return plan;
}

/** Zero padding (positive) or cropping (negative) of the input on each side, before a 'valid' conv. */
interface Window {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * The window block b reads: output (i, j) sees input (i + row + r - c, j + col + s - c)
 * for r < rows, s < cols, which is a 'valid' convolution of the input padded
 * (or cropped) by these amounts.
 */
function forwardWindow(block: TapBlock, centre: number): Window {
  return {
    top: centre - block.row,
    bottom: block.row + block.rows - 1 - centre,
    left: centre - block.col,
    right: block.col + block.cols - 1 - centre,
  };
}

/** The input gradient reads dy through the mirrored window. */
function mirrored(w: Window): Window {
  return { top: w.bottom, bottom: w.top, left: w.right, right: w.left };
}

/** A 'valid' stride-1 convolution of x, padded or cropped on each side by `w`, plus an optional bias. */
function windowConv(x: tf.Tensor4D, kernel: tf.Tensor4D, w: Window, bias?: tf.Tensor1D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const cropTop = Math.max(0, -w.top);
  const cropBottom = Math.max(0, -w.bottom);
  const cropLeft = Math.max(0, -w.left);
  const cropRight = Math.max(0, -w.right);
  let input = x;
  if (cropLeft || cropRight) {
    input = tf.slice(x, [0, cropTop, cropLeft, 0], [batch, height - cropTop - cropBottom, width - cropLeft - cropRight, channels]);
  } else if (cropTop || cropBottom) {
    // Whole rows: slicing [B, H, W·C] copies one run per row instead of one per pixel.
    const rows = height - cropTop - cropBottom;
    input = tf.slice(x.reshape([batch, height, width * channels]), [0, cropTop, 0], [batch, rows, width * channels]).reshape([batch, rows, width, channels]);
  }
  const pad: [[0, 0], [number, number], [number, number], [0, 0]] = [
    [0, 0],
    [Math.max(0, w.top), Math.max(0, w.bottom)],
    [Math.max(0, w.left), Math.max(0, w.right)],
    [0, 0],
  ];
  return bias ? tf.fused.conv2d({ x: input, filter: kernel, strides: 1, pad, bias }) : tf.conv2d(input, kernel, 1, pad);
}

function blockKernel(kernel: tf.Tensor4D, block: TapBlock): tf.Tensor4D {
  const [k, , inChannels, outChannels] = kernel.shape;
  if (block.rows === k && block.cols === k) return kernel;
  return tf.slice(kernel, [block.row, block.col, 0, 0], [block.rows, block.cols, inChannels, outChannels]);
}

/**
 * The kernel rotated by 180°: reversing both spatial axes reverses the order
 * of its taps, done as a product with the exchange matrix because a matMul is
 * fast on every backend while tfjs-backend-wasm's Reverse is about ten times
 * slower for these shapes.
 */
function flipTaps(kernel: tf.Tensor4D): tf.Tensor4D {
  const [rows, cols, inChannels, outChannels] = kernel.shape;
  const taps = rows * cols;
  if (taps === 1) return kernel;
  const exchange = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) exchange[t * taps + (taps - 1 - t)] = 1;
  const flipped = tf.matMul(tf.tensor2d(exchange, [taps, taps]), tf.reshape(kernel, [taps, inChannels * outChannels]));
  return tf.reshape(flipped, kernel.shape);
}

function forward(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, plan: MaskedConvPlan): tf.Tensor4D {
  const centre = (plan.kernelSize - 1) / 2;
  const [batch, height, width] = x.shape;
  if (plan.blocks.length === 0) return tf.broadcastTo(bias, [batch, height, width, bias.shape[0]]) as tf.Tensor4D;
  // The bias rides along with the first block's convolution.
  const parts = plan.blocks.map((block, i) => windowConv(x, blockKernel(kernel, block), forwardWindow(block, centre), i === 0 ? bias : undefined));
  return parts.length === 1 ? parts[0] : tf.addN(parts);
}

function inputGradient(dy: tf.Tensor4D, kernel: tf.Tensor4D, inShape: [number, number, number, number], plan: MaskedConvPlan): tf.Tensor4D {
  const centre = (plan.kernelSize - 1) / 2;
  if (plan.blocks.length === 0) return tf.zeros(inShape);
  const parts = plan.blocks.map((block) => {
    // Flip the block spatially and swap its channel axes: [rows, cols, Cout, Cin].
    const flipped = tf.transpose(flipTaps(blockKernel(kernel, block)), [0, 1, 3, 2]) as tf.Tensor4D;
    return windowConv(dy, flipped, mirrored(forwardWindow(block, centre)));
  });
  return parts.length === 1 ? parts[0] : tf.addN(parts);
}

function weightGradient(x: tf.Tensor4D, dy: tf.Tensor4D, mask: tf.Tensor4D, plan: MaskedConvPlan): tf.Tensor4D {
  const k = plan.kernelSize;
  const centre = (k - 1) / 2;
  if (plan.blocks.length === 0) return tf.zerosLike(mask);
  const [batch, height, width, inChannels] = x.shape;
  const outChannels = dy.shape[3];
  const pixels = batch * height * width;
  // Batch and channels swap places: the batch becomes the reduction channel
  // and dy becomes an H×W filter, so the 'valid' output is one block of taps.
  let xT: tf.Tensor4D | undefined;
  let dyT: tf.Tensor4D | undefined;
  const parts = plan.blocks.map((block) => {
    const centreTapOnly = block.rows === 1 && block.cols === 1 && block.row === centre && block.col === centre;
    let grad: tf.Tensor4D;
    if (centreTapOnly) {
      // A single unshifted tap (a 1×1 layer): x2dᵀ · dy2d, computed as
      // (dy2dᵀ · x2d)ᵀ with explicit transposes: on wasm a transposed matMul
      // takes a slow scalar path, and the matMul's right operand is repacked
      // on every call, so it should be the narrow x2d, not dy2d.
      const dyT2d = tf.transpose(tf.reshape(dy, [pixels, outChannels]));
      const gradT = tf.matMul(dyT2d, tf.reshape(x, [pixels, inChannels])); // [Cout, Cin]
      grad = tf.reshape(tf.transpose(gradT), [1, 1, inChannels, outChannels]);
    } else {
      xT ??= tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H, W, B]
      dyT ??= tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, B, Cout]
      grad = tf.transpose(windowConv(xT, dyT, forwardWindow(block, centre)), [1, 2, 0, 3]) as tf.Tensor4D; // [rows, cols, Cin, Cout]
    }
    if (block.rows === k && block.cols === k) return grad;
    return tf.pad(grad, [
      [block.row, k - block.row - block.rows],
      [block.col, k - block.col - block.cols],
      [0, 0],
      [0, 0],
    ]);
  });
  const dKernel = parts.length === 1 ? parts[0] : tf.addN(parts);
  return tf.mul(dKernel, mask) as tf.Tensor4D;
}

/** Σ dy over batch and pixels. Reshaped to 2-D first: wasm's Sum over the leading three of four axes is ~15× slower. */
function biasGradient(dy: tf.Tensor4D): tf.Tensor1D {
  const [batch, height, width, channels] = dy.shape;
  return tf.sum(tf.reshape(dy, [batch * height * width, channels]), 0);
}

/** The specialised kernels' attrs when the active backend has them and they can compute this mask, else null. */
function specialisedKernels(plan: MaskedConvPlan, input: tf.Tensor4D): MaskedConvKernelAttrs | null {
  if (!plan.standardMask || input.dtype !== 'float32' || !KERNEL_REGIONS.includes(plan.standardMask.region)) return null;
  const backend = tf.getBackend();
  if (!Object.values(MASKED_CONV_KERNELS).every((name) => tf.getKernel(name, backend))) return null;
  const { type: maskType, colorChannels, region } = plan.standardMask;
  return { kernelSize: plan.kernelSize, maskType, colorChannels, region };
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: MaskedConvKernelAttrs): tf.Tensor4D {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor4D;
}

/**
 * conv2d(input, weight ⊙ mask, stride 1, 'same') + bias, computed on the open
 * taps only, with a custom gradient (see the top of this file).
 * input [B,H,W,Cin], weight and mask [k,k,Cin,Cout], bias [Cout].
 */
export function maskedConv2d(input: tf.Tensor4D, weight: tf.Tensor4D, mask: tf.Tensor4D, bias: tf.Tensor1D, options: MaskedConvOptions = {}): tf.Tensor4D {
  const plan = maskedConvPlan(mask);
  const k = plan.kernelSize;
  if (k % 2 !== 1) throw new Error(`Masked convolution kernels must have odd size, got ${k}.`);
  if (weight.shape.some((n, i) => n !== mask.shape[i])) {
    throw new Error(`Weight shape [${weight.shape}] does not match mask shape [${mask.shape}].`);
  }
  if (input.shape[3] !== weight.shape[2]) {
    throw new Error(`Input has ${input.shape[3]} channels, the weight expects ${weight.shape[2]}.`);
  }

  const kernels = specialisedKernels(plan, input);
  const run = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc, withInputGradient: boolean) => {
    if (kernels) {
      // The kernels read only open taps, so the raw weight serves: no w ⊙ mask.
      const value = runKernel(MASKED_CONV_KERNELS.forward, { x, w, bias: b }, kernels);
      save([x, w]);
      const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
        const [savedX, savedW] = saved as [tf.Tensor4D, tf.Tensor4D];
        return tf.tidy(() => {
          const dW = runKernel(MASKED_CONV_KERNELS.weightGradient, { x: savedX, dy }, kernels);
          const db = biasGradient(dy);
          if (!withInputGradient) return [dW, db];
          return [runKernel(MASKED_CONV_KERNELS.inputGradient, { dy, w: savedW }, kernels), dW, db];
        });
      };
      return { value, gradFunc };
    }
    const kernel = tf.mul(w, mask) as tf.Tensor4D;
    const value = tf.tidy(() => forward(x, kernel, b, plan));
    save([x, kernel]); // keeps its own references (only while a gradient tape records)
    kernel.dispose();
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [savedX, savedKernel] = saved as [tf.Tensor4D, tf.Tensor4D];
      return tf.tidy(() => {
        const dW = weightGradient(savedX, dy, mask, plan);
        const db = biasGradient(dy);
        if (!withInputGradient) return [dW, db];
        return [inputGradient(dy, savedKernel, savedX.shape, plan), dW, db];
      });
    };
    return { value, gradFunc };
  };

  if (options.inputGradient === false) {
    // The input is a closed-over constant, not an input of the op.
    const op = tf.customGrad((w, b, save) => run(input, w as tf.Tensor4D, b as tf.Tensor1D, save as tf.GradSaveFunc, false));
    return op(weight, bias) as tf.Tensor4D;
  }
  const op = tf.customGrad((x, w, b, save) => run(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, save as tf.GradSaveFunc, true));
  return op(input, weight, bias) as tf.Tensor4D;
}

/**
 * The plain formulation, conv2d(input, weight ⊙ mask, 1, 'same') + bias with
 * tfjs's own gradients: the reference the tests compare maskedConv2d with.
 * It computes every k×k tap, and cannot train on tfjs-backend-wasm (no
 * Conv2DBackpropFilter kernel).
 */
export function maskedConv2dReference(input: tf.Tensor4D, weight: tf.Tensor4D, mask: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(input, tf.mul(weight, mask) as tf.Tensor4D, 1, 'same').add(bias));
}
