/**
 * The kernel-test page (kernel-tests.html): runs the WGSL masked-convolution
 * kernels on the WebGPU backend in the page, for every mask region (the
 * PixelCNN's causal masks, the Gated PixelCNN's vertical and horizontal
 * ones), and compares them with
 * maskedConv2dReference, conv2d(x, w ⊙ mask, same) + b with tfjs's own
 * gradients, computed on the same backend. e2e/masked-conv-kernels.spec.ts
 * calls the functions on `window.kernelTests` and asserts on what they return.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { registerMaskedConvKernels } from '../kernels/webgpu/registerMaskedConvKernels';
import { MASKED_CONV_KERNELS, maskedConv2d, maskedConv2dReference } from '../model/maskedConv';
import { MASK_REGIONS, openTaps, type MaskRegion, type MaskType } from '../model/masks';
import { buildMask } from '../model/layers';
import { createPixelCNN } from '../model/pixelcnn';
import type { PixelCNNConfig } from '../model/config';

export interface KernelCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  colorChannels: number;
  maskType: MaskType;
  region: MaskRegion;
}

export interface CaseResult {
  name: string;
  /** How many spatial taps the mask opens for some channel pair (0: the gradient must be all zeros). */
  openTaps: number;
  /** Max |fast − reference| of the output and of the gradients of a random projection of it. */
  forward: number;
  dx: number;
  dw: number;
  db: number;
  /** Σ|dW| over the taps and channel pairs the mask closes: must be exactly 0. */
  closedTapGradient: number;
  /** Max |dW| of the reference, so a test can tell a match from two zeros. */
  dwScale: number;
}

export interface RunResult {
  cases: CaseResult[];
  /** Per region, the kernels tfjs ran for one forward pass and its gradients through maskedConv2d. */
  kernelsRun: Record<MaskRegion, string[]>;
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface ModelResult {
  logits: number;
  /** Max |Δ| of each variable's gradient of bits/dim, in model.variables order. */
  gradients: Array<{ name: string; diff: number }>;
  kernelsRun: string[];
  tensorsBefore: number;
  tensorsAfter: number;
}

declare global {
  interface Window {
    kernelTests?: {
      backend: string;
      cases(): KernelCase[];
      run(cases: KernelCase[]): Promise<RunResult>;
      model(architecture?: PixelCNNConfig['architecture']): Promise<ModelResult>;
    };
    kernelTestsError?: string;
  }
}

/**
 * Every region × mask type × colour-group count: kernel sizes 1, 3, 5 and 7
 * for causal masks, 3 and 5 for the gated regions (at k = 1 their masks equal
 * causal ones, which is what the op then takes), and one 11×11 or 15×15 kernel
 * per region, wider than its image. Odd image sizes, batches 1, 3 and 16, and
 * channel counts that are not multiples of 4. Small: SwiftShader is slow.
 */
function cases(): KernelCase[] {
  const out: KernelCase[] = [];
  let i = 0;
  const add = (region: MaskRegion, kernelSize: number, maskType: MaskType, colorChannels: number) => {
    const batch = [1, 3, 16][i % 3];
    const [height, width] = [
      [5, 7],
      [7, 5],
      [3, 5],
      [5, 3],
    ][i % 4];
    // Mask A is the first layer (the image's channels in); mask B the hidden layers.
    const inChannels = colorChannels === 1 ? (maskType === 'A' ? 3 : 5) : maskType === 'A' ? 3 : 6;
    const outChannels = colorChannels === 1 ? (maskType === 'A' ? 5 : 7) : 9;
    out.push({ batch, height, width, inChannels, outChannels, kernelSize, colorChannels, maskType, region });
    i++;
  };
  for (const region of MASK_REGIONS) {
    for (const kernelSize of region === 'causal' ? [1, 3, 5, 7] : [3, 5]) {
      for (const maskType of ['A', 'B'] as const) {
        for (const colorChannels of [1, 3]) add(region, kernelSize, maskType, colorChannels);
      }
    }
  }
  add('causal', 15, 'B', 3);
  add('horizontal', 15, 'A', 3);
  add('vertical', 11, 'B', 1);
  return out;
}

function describeCase(c: KernelCase): string {
  return `${c.region} k=${c.kernelSize} mask ${c.maskType}, ${c.colorChannels} group(s), ${c.batch}×${c.height}×${c.width}×${c.inChannels} → ${c.outChannels}`;
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] vs [${b.shape}]`);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await diff.data())[0];
  diff.dispose();
  return value;
}

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, mask: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;

interface Operands {
  mask: tf.Tensor4D;
  x: tf.Tensor4D;
  w: tf.Tensor4D;
  b: tf.Tensor1D;
  projection: tf.Tensor4D;
}

function operands(c: KernelCase, seed: number): Operands {
  const { batch, height, width, inChannels, outChannels, kernelSize, colorChannels, maskType, region } = c;
  return {
    mask: buildMask(maskType, { kernelSize, inChannels, outChannels, colorChannels, region }),
    x: tf.randomNormal([batch, height, width, inChannels], 0, 1, 'float32', seed),
    w: tf.randomNormal([kernelSize, kernelSize, inChannels, outChannels], 0, 1, 'float32', seed + 1),
    b: tf.randomNormal([outChannels], 0, 1, 'float32', seed + 2),
    projection: tf.randomNormal([batch, height, width, outChannels], 0, 1, 'float32', seed + 3),
  };
}

/** The output and the gradients of Σ conv(x, w, b) · projection with respect to x, w and b. */
function evaluate(conv: Conv, { mask, x, w, b, projection }: Operands): tf.Tensor[] {
  const loss = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(conv(xs as tf.Tensor4D, ws as tf.Tensor4D, mask, bs as tf.Tensor1D), projection));
  return [conv(x, w, mask, b), ...tf.grads(loss)([x, w, b])];
}

async function compare(c: KernelCase, seed: number): Promise<CaseResult> {
  const ops = operands(c, seed);
  const [y, dx, dw, db] = evaluate(maskedConv2d, ops);
  const [yRef, dxRef, dwRef, dbRef] = evaluate(maskedConv2dReference, ops);
  const closed = tf.tidy(() => tf.sum(tf.abs(tf.mul(dw, tf.sub(1, ops.mask)))));
  const scale = tf.tidy(() => tf.max(tf.abs(dwRef)));
  const result: CaseResult = {
    name: describeCase(c),
    openTaps: openTaps(c.maskType, c.kernelSize, c.colorChannels, c.region).length,
    forward: await maxAbsDiff(y, yRef),
    dx: await maxAbsDiff(dx, dxRef),
    dw: await maxAbsDiff(dw, dwRef),
    db: await maxAbsDiff(db, dbRef),
    closedTapGradient: (await closed.data())[0],
    dwScale: (await scale.data())[0],
  };
  tf.dispose([y, dx, dw, db, yRef, dxRef, dwRef, dbRef, closed, scale, ...Object.values(ops)]);
  return result;
}

/** Names of the kernels tfjs runs for `work` (tf.profile records every kernel executed). */
async function kernelsRun(work: () => tf.Tensor[]): Promise<string[]> {
  const profile = await tf.profile(() => {
    tf.dispose(work());
  });
  return [...new Set(profile.kernelNames)].filter((name) => (Object.values(MASKED_CONV_KERNELS) as string[]).includes(name));
}

async function run(list: KernelCase[]): Promise<RunResult> {
  const tensorsBefore = tf.memory().numTensors;
  const results: CaseResult[] = [];
  for (const [i, c] of list.entries()) results.push(await compare(c, 100 * i + 1));
  const names = {} as Record<MaskRegion, string[]>;
  for (const region of MASK_REGIONS) {
    const probe = operands({ batch: 2, height: 3, width: 5, inChannels: 3, outChannels: 6, kernelSize: 3, colorChannels: 3, maskType: 'B', region }, 9);
    names[region] = await kernelsRun(() => evaluate(maskedConv2d, probe));
    tf.dispose(Object.values(probe));
  }
  return { cases: results, kernelsRun: names, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

/**
 * A tiny colour model with a level embedding (so the first layer's input
 * gradient runs too), built twice from one seed: on the kernels, and on
 * conv2d(x, w ⊙ mask). The PixelCNN is unconditional; the Gated PixelCNN
 * (every mask region) has a 5×5 first layer, position and three classes.
 */
async function model(architecture: PixelCNNConfig['architecture'] = 'pixelcnn'): Promise<ModelResult> {
  const tensorsBefore = tf.memory().numTensors;
  const gated = architecture === 'gated';
  const config: PixelCNNConfig = {
    height: 7,
    width: 5,
    colorChannels: 3,
    levels: 8,
    hiddenChannels: 6,
    layers: 2,
    kernelSize: 3,
    headChannels: 0,
    inputEmbedding: 2,
    architecture,
    firstKernelSize: gated ? 5 : 3,
    position: gated,
    classes: gated ? 3 : 0,
    labelDropout: 0,
  };
  const fast = createPixelCNN(config, 5);
  const reference = createPixelCNN(config, 5, { convolution: 'reference' });
  const images = tf.randomUniformInt([3, config.height, config.width, config.colorChannels], 0, config.levels, 6) as tf.Tensor4D;
  const labels = gated ? tf.tensor1d([2, 0, 1], 'int32') : undefined;
  const run = (m: typeof fast) => {
    const { value, grads } = tf.variableGrads(() => m.bitsPerDim(images, labels), m.variables);
    value.dispose();
    return [m.logits(images, labels), ...m.variables.map((v) => grads[v.name])];
  };
  const [logits, ...grads] = run(fast);
  const [logitsRef, ...gradsRef] = run(reference);
  const gradients: ModelResult['gradients'] = [];
  for (const [i, v] of fast.variables.entries()) {
    gradients.push({ name: v.name.replace(/^[a-z]+\d+\//, ''), diff: await maxAbsDiff(grads[i], gradsRef[i]) });
  }
  const result = { logits: await maxAbsDiff(logits, logitsRef), gradients };
  const names = await kernelsRun(() => run(fast));
  tf.dispose([logits, ...grads, logitsRef, ...gradsRef, images, ...(labels ? [labels] : [])]);
  fast.dispose();
  reference.dispose();
  return { ...result, kernelsRun: names, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

async function start(): Promise<void> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('the WebGPU backend did not initialise');
  await tf.ready();
  registerMaskedConvKernels();
  window.kernelTests = { backend: tf.getBackend(), cases, run, model };
  document.getElementById('log')!.textContent = `ready on ${tf.getBackend()}\n`;
}

start().catch((error: unknown) => {
  window.kernelTestsError = error instanceof Error ? error.message : String(error);
});
