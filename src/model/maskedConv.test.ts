import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { MASKED_CONV_KERNELS, maskedConv2d, maskedConv2dReference, maskedConvPlan, tapBlocks } from './maskedConv';
import { DEFAULT_CONFIG } from './config';
import { identifyMask, MASK_REGIONS, maskValues, openTaps, type MaskRegion, type MaskType } from './masks';
import { buildMask } from './layers';
import { createPixelCNN } from './pixelcnn';

beforeAll(useCpuBackend);

const TOLERANCE = 1e-4;

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await diff.data())[0];
  diff.dispose();
  return value;
}

interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  colorChannels: number;
  type: MaskType;
  region: MaskRegion;
}

/** Every region, odd sizes, batch 1 and 3, channel counts that are not multiples of 4, 1 and 3 colour groups. */
function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const region of MASK_REGIONS) {
    for (const kernelSize of region === 'causal' ? [1, 3, 5, 7] : [3, 5]) {
      for (const type of ['A', 'B'] as const) {
        for (const colorChannels of region === 'vertical' ? [1] : [1, 3]) {
          const batch = i % 2 === 0 ? 1 : 3;
          const [height, width] = [
            [5, 7],
            [7, 5],
            [9, 3],
            [3, 9],
          ][i % 4];
          const inChannels = type === 'A' ? colorChannels : colorChannels === 1 ? 5 : 6;
          const outChannels = colorChannels === 1 ? 7 : 9;
          out.push({ batch, height, width, inChannels, outChannels, kernelSize, colorChannels, type, region });
          i++;
        }
      }
    }
  }
  return out;
}

function describeCase(c: Case): string {
  return `${c.region} k=${c.kernelSize} mask ${c.type}, ${c.colorChannels} colour group(s), ${c.batch}×${c.height}×${c.width}×${c.inChannels} → ${c.outChannels}`;
}

/**
 * The op and the reference on the same random tensors: the outputs, and the
 * gradients of a random projection of the output with respect to x, w and b.
 */
async function compare(c: Case, seed: number): Promise<{ forward: number; dx: number; dw: number; db: number }> {
  const { batch, height, width, inChannels, outChannels, kernelSize, colorChannels, type, region } = c;
  const mask = buildMask(type, { kernelSize, inChannels, outChannels, colorChannels, region });
  const x = tf.randomNormal([batch, height, width, inChannels], 0, 1, 'float32', seed) as tf.Tensor4D;
  const w = tf.randomNormal([kernelSize, kernelSize, inChannels, outChannels], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
  const b = tf.randomNormal([outChannels], 0, 1, 'float32', seed + 2) as tf.Tensor1D;
  const projection = tf.randomNormal([batch, height, width, outChannels], 0, 1, 'float32', seed + 3);

  type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, m: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
  const loss = (conv: Conv) => (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
    tf.sum(tf.mul(conv(xs as tf.Tensor4D, ws as tf.Tensor4D, mask, bs as tf.Tensor1D), projection));

  const fast = maskedConv2d(x, w, mask, b);
  const reference = maskedConv2dReference(x, w, mask, b);
  const fastGrads = tf.grads(loss(maskedConv2d))([x, w, b]);
  const referenceGrads = tf.grads(loss(maskedConv2dReference))([x, w, b]);

  const result = {
    forward: await maxAbsDiff(fast, reference),
    dx: await maxAbsDiff(fastGrads[0], referenceGrads[0]),
    dw: await maxAbsDiff(fastGrads[1], referenceGrads[1]),
    db: await maxAbsDiff(fastGrads[2], referenceGrads[2]),
  };
  // Masked taps get exactly zero gradient.
  const leaked = tf.tidy(() => tf.sum(tf.abs(tf.mul(fastGrads[1], tf.sub(1, mask)))));
  expect((await leaked.data())[0]).toBe(0);
  tf.dispose([mask, x, w, b, projection, fast, reference, leaked, ...fastGrads, ...referenceGrads]);
  return result;
}

describe('maskedConv2d equals conv2d(x, w ⊙ mask, same) + b', () => {
  for (const [i, c] of cases().entries()) {
    it(`forward and gradients: ${describeCase(c)}`, async () => {
      const diff = await compare(c, 10 * i + 1);
      expect(diff.forward).toBeLessThan(TOLERANCE);
      expect(diff.dx).toBeLessThan(TOLERANCE);
      expect(diff.dw).toBeLessThan(TOLERANCE);
      expect(diff.db).toBeLessThan(TOLERANCE);
    });
  }

  it('a kernel larger than the image (7×7 on 3×2)', async () => {
    const diff = await compare(
      { batch: 2, height: 3, width: 2, inChannels: 3, outChannels: 5, kernelSize: 7, colorChannels: 1, type: 'B', region: 'causal' },
      99,
    );
    expect(Math.max(diff.forward, diff.dx, diff.dw, diff.db)).toBeLessThan(TOLERANCE);
  });

  it('a mask that opens a tap right of the centre is honoured (the op follows the mask, not the causal shape)', async () => {
    const opened = tf.tidy(() => {
      const buffer = buildMask('B', { kernelSize: 3, inChannels: 2, outChannels: 3, colorChannels: 1 }).bufferSync();
      for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) buffer.set(1, 1, 2, i, o);
      return buffer.toTensor() as tf.Tensor4D;
    });
    const x = tf.randomNormal([2, 4, 5, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const b = tf.zeros([3]) as tf.Tensor1D;
    const fast = maskedConv2d(x, w, opened, b);
    const reference = maskedConv2dReference(x, w, opened, b);
    expect(await maxAbsDiff(fast, reference)).toBeLessThan(TOLERANCE);
    tf.dispose([opened, x, w, b, fast, reference]);
  });

  it('a fully closed mask (1×1 mask A, one colour) gives the bias and zero weight gradient', async () => {
    const mask = buildMask('A', { kernelSize: 1, inChannels: 1, outChannels: 2, colorChannels: 1 });
    const x = tf.randomNormal([1, 3, 3, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.ones([1, 1, 1, 2]) as tf.Tensor4D;
    const b = tf.tensor1d([0.5, -1]);
    const y = maskedConv2d(x, w, mask, b);
    const [dx, dw] = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(maskedConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, mask, b)))([x, w]);
    expect(Array.from(await y.data())).toEqual(Array(9).fill([0.5, -1]).flat());
    expect(Array.from(await dx.data())).toEqual(Array(9).fill(0));
    expect(Array.from(await dw.data())).toEqual([0, 0]);
    tf.dispose([mask, x, w, b, y, dx, dw]);
  });

  it('without an input gradient the input is a constant, and asking for its gradient is an error', async () => {
    const mask = buildMask('A', { kernelSize: 3, inChannels: 1, outChannels: 2, colorChannels: 1 });
    const x = tf.randomNormal([2, 3, 4, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 1, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const b = tf.zeros([2]) as tf.Tensor1D;
    const constantInput = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.sum(tf.square(maskedConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, mask, b, { inputGradient: false })));
    const reference = (ws: tf.Tensor) => tf.sum(tf.square(maskedConv2dReference(x, ws as tf.Tensor4D, mask, b)));
    const [dw] = tf.grads((ws: tf.Tensor) => constantInput(x, ws))([w]);
    const [dwReference] = tf.grads(reference)([w]);
    expect(await maxAbsDiff(dw, dwReference)).toBeLessThan(TOLERANCE);
    expect(() => tf.grads(constantInput)([x, w])).toThrow();
    tf.dispose([mask, x, w, b, dw, dwReference]);
  });

  it('keeps the tensor count flat: forward, gradients, repeated', async () => {
    const mask = buildMask('B', { kernelSize: 5, inChannels: 3, outChannels: 3, colorChannels: 3 });
    const x = tf.randomNormal([2, 6, 5, 3]) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([5, 5, 3, 3]));
    const b = tf.variable(tf.zeros([3]));
    const optimizer = tf.train.adam(0.01);
    const step = () =>
      optimizer.minimize(() => tf.sum(tf.square(maskedConv2d(x, w as tf.Variable<tf.Rank.R4>, mask, b as tf.Variable<tf.Rank.R1>))), false, [w, b]);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      maskedConv2d(x, w as tf.Variable<tf.Rank.R4>, mask, b as tf.Variable<tf.Rank.R1>);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mask, x, w, b]);
    optimizer.dispose();
  });
});

describe('tapBlocks', () => {
  const blocksOf = (type: MaskType, k: number, colors: number, cin = colors, cout = colors, region: MaskRegion = 'causal') =>
    tapBlocks(maskValues(type, { kernelSize: k, inChannels: cin, outChannels: cout, colorChannels: colors, region }), k, cin, cout);

  it('a causal 7×7 mask B is the three rows above the centre and the centre row up to the centre', () => {
    expect(blocksOf('B', 7, 1)).toEqual([
      { row: 0, rows: 3, col: 0, cols: 7 },
      { row: 3, rows: 1, col: 0, cols: 4 },
    ]);
  });

  it('mask A leaves the centre out with one colour, and keeps it with three', () => {
    expect(blocksOf('A', 3, 1)).toEqual([
      { row: 0, rows: 1, col: 0, cols: 3 },
      { row: 1, rows: 1, col: 0, cols: 1 },
    ]);
    expect(blocksOf('A', 3, 3)).toEqual([
      { row: 0, rows: 1, col: 0, cols: 3 },
      { row: 1, rows: 1, col: 0, cols: 2 },
    ]);
    expect(blocksOf('A', 1, 1)).toEqual([]);
  });

  it('covers exactly the taps openTaps lists, for every region, kernel size, mask and colour count', () => {
    for (const region of MASK_REGIONS) {
      for (const k of [1, 3, 5, 7, 9]) {
        for (const type of ['A', 'B'] as const) {
          for (const colors of [1, 3]) {
            const covered: Array<[number, number]> = [];
            for (const b of blocksOf(type, k, colors, colors, colors, region)) {
              for (let r = b.row; r < b.row + b.rows; r++) for (let s = b.col; s < b.col + b.cols; s++) covered.push([r, s]);
            }
            covered.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
            expect(covered).toEqual(openTaps(type, k, colors, region));
          }
        }
      }
    }
  });

  it('a vertical mask is one block of whole rows; a horizontal one is part of the centre row', () => {
    expect(blocksOf('A', 5, 1, 1, 1, 'vertical')).toEqual([{ row: 0, rows: 2, col: 0, cols: 5 }]);
    expect(blocksOf('B', 5, 1, 1, 1, 'vertical')).toEqual([{ row: 0, rows: 3, col: 0, cols: 5 }]);
    expect(blocksOf('B', 5, 1, 1, 1, 'horizontal')).toEqual([{ row: 2, rows: 1, col: 0, cols: 3 }]);
    expect(blocksOf('A', 5, 1, 1, 1, 'horizontal')).toEqual([{ row: 2, rows: 1, col: 0, cols: 2 }]);
  });
});

describe('specialised kernels', () => {
  it('the plan names a standard mask (what kernels registered under MASKED_CONV_KERNELS are given), and only such a mask', () => {
    const standard = buildMask('B', { kernelSize: 5, inChannels: 6, outChannels: 9, colorChannels: 3 });
    expect(maskedConvPlan(standard).standardMask).toEqual({ type: 'B', colorChannels: 3, region: 'causal' });
    const opened = tf.tidy(() => {
      const buffer = buildMask('B', { kernelSize: 3, inChannels: 2, outChannels: 3, colorChannels: 1 }).bufferSync();
      buffer.set(1, 1, 2, 0, 0); // right of the centre: no kernel bakes that in
      return buffer.toTensor() as tf.Tensor4D;
    });
    expect(maskedConvPlan(opened).standardMask).toBeNull();
    tf.dispose([standard, opened]);
  });

  it('a layer names its own mask in the plan, as recognising the mask would (PixelCNN and gated, grey and colour)', () => {
    for (const architecture of ['pixelcnn', 'gated'] as const) {
      for (const colorChannels of [1, 3] as const) {
        const config = {
          ...DEFAULT_CONFIG,
          architecture,
          colorChannels,
          hiddenChannels: 6,
          headChannels: 6,
          layers: 3,
          height: 6,
          width: 6,
          levels: 4,
          inputEmbedding: 2,
        };
        const model = createPixelCNN(config, 1, { initial: 'zeros' });
        for (const layer of model.layers) {
          const [k, , inChannels, outChannels] = layer.mask.shape;
          expect(maskedConvPlan(layer.mask).standardMask, `${architecture} ${colorChannels} ${layer.name}`).toEqual(
            identifyMask(layer.mask.dataSync(), k, inChannels, outChannels),
          );
        }
        model.dispose();
      }
    }
  });

  it('the CPU backend has no such kernels, so the op takes its generic path there', () => {
    for (const name of Object.values(MASKED_CONV_KERNELS)) expect(tf.getKernel(name, 'cpu')).toBeUndefined();
  });
});
