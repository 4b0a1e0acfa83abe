import * as tf from '@tensorflow/tfjs';
import { type PixelCNNConfig, validateConfig } from './config';
import { maskValues, type MaskType } from './masks';
import { maskedConv2d, maskedConv2dReference, maskedConvPlan } from './maskedConv';
import { softmaxCrossEntropyBits } from './loss';
import { embedLevels, toNetworkInput } from './pixels';

/**
 * PixelCNN (van den Oord et al., 2016), read top to bottom:
 *
 *   x      = toNetworkInput(pixels)                       [B, H, W, C]     levels as numbers, or
 *   x      = embedLevels(pixels, table)                   [B, H, W, C·E]   a learned vector per level
 *   h      = relu(maskedConv_A(x))                        first layer: mask A
 *   h      = h + relu(maskedConv_B(h))   (layers - 1)×    residual, group to group
 *   h      = relu(maskedConv_B_1x1(h))   if headChannels  a per-position head
 *   logits = maskedConv_B_1x1(h)                          [B, H, W, C·levels]
 *          → reshape to [B, H, W, C, levels]              one softmax per sub-pixel
 *
 * Hidden features are split into C contiguous colour groups. Each group g at
 * a position only ever holds information about sub-pixels before (position, g)
 * in generation order, and every layer after the first keeps it so (mask B).
 * The residual adds channel i to channel i, so it never mixes groups.
 */

/**
 * What a layer does with its convolution's result c = maskedConv(h):
 * 'input'    relu(c), on the image (mask A);
 * 'residual' h + relu(c);
 * 'head'     relu(c), a 1×1 layer of another width;
 * 'output'   c, the logits.
 */
export type LayerRole = 'input' | 'residual' | 'head' | 'output';

/** One masked convolution's parameters and its fixed mask. */
export interface MaskedLayer {
  name: string;
  role: LayerRole;
  maskType: MaskType;
  weight: tf.Variable<tf.Rank.R4>;
  bias: tf.Variable<tf.Rank.R1>;
  mask: tf.Tensor4D;
  /** How many entries of the mask are 1: the layer's trainable weights. */
  openWeights: number;
}

export interface PixelCNN {
  readonly config: PixelCNNConfig;
  /** The first layer, the residual layers, the head (if any), then the 1×1 output layer. */
  readonly layers: readonly MaskedLayer[];
  /** The level-embedding table [C·levels, inputEmbedding], or null when the input is the scaled level. */
  readonly embedding: tf.Variable<tf.Rank.R2> | null;
  /** All trainable variables, in a stable order. */
  readonly variables: tf.Variable[];
  /** images: [B, H, W, C] int32 in 0..levels-1 → logits [B, H, W, C, levels]. */
  logits(images: tf.Tensor4D): tf.Tensor5D;
  /** Mean negative log-likelihood per sub-pixel, in bits. */
  bitsPerDim(images: tf.Tensor4D): tf.Scalar;
  /** One optimizer step on a batch; returns the batch's bits/dim before the step. */
  trainStep(images: tf.Tensor4D, optimizer: tf.Optimizer): tf.Scalar;
  /** Number of weights the masks leave open, plus biases. */
  parameterCount(): number;
  dispose(): void;
}

/** He initialisation over the taps the mask leaves open, so masking does not shrink activations. */
function initialWeight(shape: [number, number, number, number], mask: tf.Tensor4D, openWeights: number, seed: number, gain: number): tf.Tensor4D {
  return tf.tidy(() => {
    const openPerOutput = openWeights / shape[3];
    const std = gain * Math.sqrt(2 / Math.max(1, openPerOutput));
    return tf.randomNormal(shape, 0, std, 'float32', seed).mul(mask) as tf.Tensor4D;
  });
}

function createLayer(
  name: string,
  role: LayerRole,
  maskType: MaskType,
  kernelSize: number,
  inChannels: number,
  outChannels: number,
  colorChannels: number,
  seed: number,
  gain: number,
): MaskedLayer {
  const shape: [number, number, number, number] = [kernelSize, kernelSize, inChannels, outChannels];
  const values = maskValues(maskType, { kernelSize, inChannels, outChannels, colorChannels });
  const openWeights = values.reduce((sum, v) => sum + v, 0);
  const mask = tf.tensor4d(values, shape);
  maskedConvPlan(mask, values); // the op's tap blocks, from values at hand (no read-back)
  const init = initialWeight(shape, mask, openWeights, seed, gain);
  const weight = tf.variable(init, true, `${name}/weight`) as tf.Variable<tf.Rank.R4>;
  init.dispose();
  const zeros = tf.zeros([outChannels]);
  const bias = tf.variable(zeros, true, `${name}/bias`) as tf.Variable<tf.Rank.R1>;
  zeros.dispose(); // the variable holds its own reference to the data
  return { name, role, maskType, weight, bias, mask, openWeights };
}

/**
 * Random rows (standard deviation 0.5), so every level starts as a distinct
 * input of moderate size for the He-initialised first layer; training then
 * pulls together the levels that behave alike.
 */
function createEmbedding(name: string, rows: number, size: number, seed: number): tf.Variable<tf.Rank.R2> {
  const init = tf.randomNormal([rows, size], 0, 0.5, 'float32', seed);
  const table = tf.variable(init, true, name) as tf.Variable<tf.Rank.R2>;
  init.dispose();
  return table;
}

export interface PixelCNNOptions {
  /**
   * 'open-taps' (default): maskedConv2d, which computes only the taps the
   * masks leave open and trains on every backend. 'reference': plain
   * conv2d(x, weight ⊙ mask) with tfjs's own gradients, for comparison.
   */
  convolution?: 'open-taps' | 'reference';
}

let modelCounter = 0;

export function createPixelCNN(config: PixelCNNConfig, seed = 1, options: PixelCNNOptions = {}): PixelCNN {
  validateConfig(config);
  const { colorChannels: C, levels, hiddenChannels: hidden, kernelSize: k, headChannels: head, inputEmbedding: E } = config;
  // Variable names must be unique per tfjs engine; several models may coexist.
  const prefix = `pixelcnn${modelCounter++}`;

  const embedding = E > 0 ? createEmbedding(`${prefix}/embed/table`, C * levels, E, seed + config.layers + 2) : null;
  const layers: MaskedLayer[] = [createLayer(`${prefix}/conv0`, 'input', 'A', k, E > 0 ? C * E : C, hidden, C, seed, 1)];
  for (let l = 1; l < config.layers; l++) {
    layers.push(createLayer(`${prefix}/conv${l}`, 'residual', 'B', k, hidden, hidden, C, seed + l, 0.5));
  }
  if (head > 0) {
    layers.push(createLayer(`${prefix}/head`, 'head', 'B', 1, hidden, head, C, seed + config.layers + 1, 0.5));
  }
  layers.push(createLayer(`${prefix}/out`, 'output', 'B', 1, head || hidden, C * levels, C, seed + config.layers, 0.25));

  const variables: tf.Variable[] = [...(embedding ? [embedding] : []), ...layers.flatMap((layer) => [layer.weight, layer.bias])];

  function apply(layer: MaskedLayer, input: tf.Tensor4D): tf.Tensor4D {
    if (options.convolution === 'reference') return maskedConv2dReference(input, layer.weight, layer.mask, layer.bias);
    // The first layer's input is a constant (the scaled image) unless it is the embedding, which learns through it.
    return maskedConv2d(input, layer.weight, layer.mask, layer.bias, { inputGradient: layer.role !== 'input' || embedding !== null });
  }

  function logits(images: tf.Tensor4D): tf.Tensor5D {
    return tf.tidy(() => {
      const [batch, height, width] = images.shape;
      let h = embedding ? embedLevels(images, embedding, levels) : toNetworkInput(images, levels);
      for (const layer of layers) {
        const c = apply(layer, h);
        if (layer.role === 'residual') h = h.add(tf.relu(c));
        else if (layer.role === 'output') h = c;
        else h = tf.relu(c);
      }
      return h.reshape([batch, height, width, C, levels]) as tf.Tensor5D;
    });
  }

  function bitsPerDim(images: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => {
      const flatLogits = logits(images).reshape([-1, levels]) as tf.Tensor2D;
      return softmaxCrossEntropyBits(flatLogits, images.toInt().reshape([-1]) as tf.Tensor1D);
    });
  }

  function trainStep(images: tf.Tensor4D, optimizer: tf.Optimizer): tf.Scalar {
    const loss = optimizer.minimize(() => bitsPerDim(images), true, variables);
    if (!loss) throw new Error('optimizer.minimize returned no loss');
    return loss;
  }

  function parameterCount(): number {
    return layers.reduce((total, layer) => total + layer.openWeights + layer.bias.size, embedding?.size ?? 0);
  }

  function dispose(): void {
    embedding?.dispose();
    for (const layer of layers) {
      layer.weight.dispose();
      layer.bias.dispose();
      layer.mask.dispose();
    }
  }

  return { config, embedding, layers, variables, logits, bitsPerDim, trainStep, parameterCount, dispose };
}
