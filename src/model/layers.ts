import * as tf from '@tensorflow/tfjs';
import { maskValues, standardMask, type MaskOptions, type MaskRegion, type MaskType } from './masks';
import { maskedConv2d, maskedConv2dReference, maskedConvPlan } from './maskedConv';
import { softmaxCrossEntropyBits } from './loss';
import { embedLevels, toNetworkInput } from './pixels';
import type { ConvolutionChoice, InitialValues, LayerRole, MaskedLayer, PixelCNN } from './network';
import { classRows, type PixelCNNConfig } from './config';

/**
 * The parts both architectures are built from: masked convolution layers
 * with their fixed masks, the level-embedding table, and the two kinds of
 * bias that depend on no pixel, so may reach every colour group at every
 * position: a learned bias per row and per column (position), and a learned
 * bias per class (conditioning). Their types are in network.ts, beside the
 * PixelCNN contract.
 */

export interface LayerSpec {
  name: string;
  role: LayerRole;
  maskType: MaskType;
  region: MaskRegion;
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  colorChannels: number;
  seed: number;
  /** Multiplies the He standard deviation of the initial weights. */
  gain: number;
  /** Image size, when the layer has position tables. */
  position?: { height: number; width: number };
  /** Number of classes, when the layer has a class table. */
  classes?: number;
  /** 'zeros' for weights that are loaded right after (a model file): drawing random numbers would be wasted work. */
  initial?: InitialValues;
}

/** He initialisation over the taps the mask leaves open, so masking does not shrink activations. */
function initialWeight(
  shape: [number, number, number, number],
  mask: tf.Tensor4D,
  openWeights: number,
  seed: number,
  gain: number,
  initial: InitialValues,
): tf.Tensor4D {
  if (initial === 'zeros') return tf.zeros(shape);
  return tf.tidy(() => {
    const openPerOutput = openWeights / shape[3];
    const std = gain * Math.sqrt(2 / Math.max(1, openPerOutput));
    return tf.randomNormal(shape, 0, std, 'float32', seed).mul(mask) as tf.Tensor4D;
  });
}

/** A variable with normal(0, std) entries (std 0 or `initial` 'zeros': zeros). */
export function normalVariable<R extends tf.Rank>(name: string, shape: number[], std: number, seed: number, initial: InitialValues = 'random'): tf.Variable<R> {
  const init = std > 0 && initial === 'random' ? tf.randomNormal(shape, 0, std, 'float32', seed) : tf.zeros(shape);
  const variable = tf.variable(init, true, name) as tf.Variable<R>;
  init.dispose(); // the variable holds its own reference to the data
  return variable;
}

/**
 * Position and class tables start small and random rather than at zero, so a
 * fresh model already depends on them (the tests can see it does) without
 * their noise mattering next to the convolutions.
 */
const TABLE_INIT_STD = 0.1;

export function createLayer(spec: LayerSpec): MaskedLayer {
  const { name, role, maskType, region, kernelSize, inChannels, outChannels, colorChannels, seed, gain, initial = 'random' } = spec;
  const shape: [number, number, number, number] = [kernelSize, kernelSize, inChannels, outChannels];
  const values = maskValues(maskType, { kernelSize, inChannels, outChannels, colorChannels, region });
  const openWeights = values.reduce((sum, v) => sum + v, 0);
  const mask = tf.tensor4d(values, shape);
  maskedConvPlan(mask, values, standardMask(maskType, colorChannels, region)); // the op's tap blocks, from values at hand (no read-back)
  const init = initialWeight(shape, mask, openWeights, seed, gain, initial);
  const weight = tf.variable(init, true, `${name}/weight`) as tf.Variable<tf.Rank.R4>;
  init.dispose();
  const bias = normalVariable<tf.Rank.R1>(`${name}/bias`, [outChannels], 0, 0);
  const position = spec.position
    ? {
        rows: normalVariable<tf.Rank.R2>(`${name}/rows`, [spec.position.height, outChannels], TABLE_INIT_STD, seed + 101, initial),
        cols: normalVariable<tf.Rank.R2>(`${name}/cols`, [spec.position.width, outChannels], TABLE_INIT_STD, seed + 102, initial),
      }
    : null;
  const classTable = spec.classes ? normalVariable<tf.Rank.R2>(`${name}/class`, [spec.classes, outChannels], TABLE_INIT_STD, seed + 103, initial) : null;
  return { name, role, maskType, region, weight, bias, mask, openWeights, position, classTable };
}

/**
 * Random rows (standard deviation 0.5), so every level starts as a distinct
 * input of moderate size for the He-initialised first layer; training then
 * pulls together the levels that behave alike.
 */
export function createEmbedding(name: string, rows: number, size: number, seed: number, initial: InitialValues = 'random'): tf.Variable<tf.Rank.R2> {
  return normalVariable<tf.Rank.R2>(name, [rows, size], 0.5, seed, initial);
}

/** The layer's masked convolution of `input`, bias included. */
export function convolve(layer: MaskedLayer, input: tf.Tensor4D, inputGradient: boolean, convolution: ConvolutionChoice = 'open-taps'): tf.Tensor4D {
  if (convolution === 'reference') return maskedConv2dReference(input, layer.weight, layer.mask, layer.bias);
  return maskedConv2d(input, layer.weight, layer.mask, layer.bias, { inputGradient });
}

/**
 * The labels of a batch as one-hot rows [B, class rows], or null for an
 * unconditional model; checks that a conditional model got a label per
 * image. Label `classes` is "no class" in a model that has that row.
 */
export function labelRows(labels: tf.Tensor1D | undefined, config: PixelCNNConfig, batch: number): tf.Tensor2D | null {
  const { classes } = config;
  if (classes === 0) return null;
  if (!labels) throw new Error(`This model draws one of ${classes} classes: it needs a label for each image.`);
  if (labels.shape[0] !== batch) throw new Error(`${labels.shape[0]} labels for ${batch} images.`);
  return tf.oneHot(tf.cast(labels, 'int32'), classRows(config)).toFloat() as tf.Tensor2D;
}

/**
 * The layer's pre-activation plus what depends on no pixel: rows[i] + cols[j]
 * for position, and the class row of each image's label.
 */
export function withConditioning(pre: tf.Tensor4D, layer: MaskedLayer, oneHot: tf.Tensor2D | null): tf.Tensor4D {
  let out = pre;
  const [batch, height, width, channels] = pre.shape;
  if (layer.position) {
    out = out.add(layer.position.rows.reshape([1, height, 1, channels])).add(layer.position.cols.reshape([1, 1, width, channels]));
  }
  if (layer.classTable && oneHot) {
    out = out.add(tf.matMul(oneHot, layer.classTable).reshape([batch, 1, 1, channels]));
  }
  return out;
}

/** The layers' position tables (rows, then cols, layer by layer): the order of docs/ARCHITECTURES.md's variable lists. */
export function positionVariables(layers: readonly MaskedLayer[]): tf.Variable[] {
  return layers.flatMap((layer) => (layer.position ? [layer.position.rows, layer.position.cols] : []));
}

/** The layers' class tables, layer by layer, in the same order. */
export function classVariables(layers: readonly MaskedLayer[]): tf.Variable[] {
  return layers.flatMap((layer) => (layer.classTable ? [layer.classTable] : []));
}

export function disposeLayer(layer: MaskedLayer): void {
  layer.weight.dispose();
  layer.bias.dispose();
  layer.mask.dispose();
  layer.position?.rows.dispose();
  layer.position?.cols.dispose();
  layer.classTable?.dispose();
}

/** Trainable weights of a layer: the open taps, the bias and its tables. */
export function layerParameters(layer: MaskedLayer): number {
  return layer.openWeights + layer.bias.size + (layer.position ? layer.position.rows.size + layer.position.cols.size : 0) + (layer.classTable?.size ?? 0);
}

let modelCounter = 0;

/** Variable names must be unique per tfjs engine, and several models may coexist: each gets a prefix. */
export function nextModelPrefix(kind: string): string {
  return `${kind}${modelCounter++}`;
}

/** The network's input: embedded or scaled levels. */
export function networkInput(images: tf.Tensor4D, embedding: tf.Variable<tf.Rank.R2> | null, levels: number): tf.Tensor4D {
  return embedding ? embedLevels(images, embedding, levels) : toNetworkInput(images, levels);
}

/** The parts of the interface that only need `logits`. */
export function lossFunctions(logits: PixelCNN['logits'], levels: number, variables: tf.Variable[]) {
  function bitsPerDim(images: tf.Tensor4D, labels?: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const flatLogits = logits(images, labels).reshape([-1, levels]) as tf.Tensor2D;
      return softmaxCrossEntropyBits(flatLogits, images.toInt().reshape([-1]) as tf.Tensor1D);
    });
  }
  function trainStep(images: tf.Tensor4D, optimizer: tf.Optimizer, labels?: tf.Tensor1D): tf.Scalar {
    const loss = optimizer.minimize(() => bitsPerDim(images, labels), true, variables);
    if (!loss) throw new Error('optimizer.minimize returned no loss');
    return loss;
  }
  return { bitsPerDim, trainStep };
}

/** A [kernelSize, kernelSize, inChannels, outChannels] tensor of 0s and 1s. */
export function buildMask(type: MaskType, opts: MaskOptions): tf.Tensor4D {
  return tf.tensor4d(maskValues(type, opts), [opts.kernelSize, opts.kernelSize, opts.inChannels, opts.outChannels]);
}
