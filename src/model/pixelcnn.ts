import * as tf from '@tensorflow/tfjs';
import { classRows, type PixelCNNConfig, validateConfig } from './config';
import {
  classVariables,
  type ConvolutionChoice,
  convolve,
  createEmbedding,
  createLayer,
  disposeLayer,
  type InitialValues,
  labelRows,
  layerParameters,
  lossFunctions,
  type MaskedLayer,
  networkInput,
  nextModelPrefix,
  positionVariables,
  withConditioning,
} from './layers';
import { createGatedPixelCNN } from './gatedPixelCNN';

/**
 * PixelCNN (van den Oord et al., 2016), read top to bottom:
 *
 *   x      = toNetworkInput(pixels)                       [B, H, W, C]     levels as numbers, or
 *   x      = embedLevels(pixels, table)                   [B, H, W, C·E]   a learned vector per level
 *   h      = relu(maskedConv_A(x) + where + class)        first layer: mask A (k0×k0)
 *   h      = h + relu(maskedConv_B(h) + class)   (layers - 1)×   residual, group to group
 *   h      = relu(maskedConv_B_1x1(h) + class)   if headChannels  a per-position head
 *   logits = maskedConv_B_1x1(h) + class                  [B, H, W, C·levels]
 *          → reshape to [B, H, W, C, levels]              one softmax per sub-pixel
 *
 * `where` is rows[i] + cols[j], learned (config.position), and `class` is
 * the row of a learned table picked by the image's label (config.classes).
 * Neither depends on any pixel, so both may reach every colour group.
 *
 * Hidden features are split into C contiguous colour groups. Each group g at
 * a position only ever holds information about sub-pixels before (position, g)
 * in generation order, and every layer after the first keeps it so (mask B).
 * The residual adds channel i to channel i, so it never mixes groups.
 *
 * `createPixelCNN` builds the Gated PixelCNN (gatedPixelCNN.ts) for
 * `architecture: 'gated'`; both satisfy the same interface.
 */

export type { LayerRole, MaskedLayer } from './layers';

export interface PixelCNN {
  readonly config: PixelCNNConfig;
  /**
   * Every masked convolution, in the order of the variable list of
   * docs/ARCHITECTURES.md. PixelCNN: the first layer, the residual layers,
   * the head (if any), then the 1×1 output layer. Gated: per layer the
   * vertical, horizontal (and residual) convolutions, then head and output.
   */
  readonly layers: readonly MaskedLayer[];
  /** The level-embedding table [C·levels, inputEmbedding], or null when the input is the scaled level. */
  readonly embedding: tf.Variable<tf.Rank.R2> | null;
  /** All trainable variables, in a stable order (docs/ARCHITECTURES.md). */
  readonly variables: tf.Variable[];
  /**
   * images: [B, H, W, C] int32 in 0..levels-1 → logits [B, H, W, C, levels].
   * labels: [B] int32 in 0..classes-1, required when config.classes > 0.
   */
  logits(images: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor5D;
  /**
   * The same logits from the network input itself ([B, H, W, C] scaled
   * levels, or [B, H, W, C·E] embedded ones, as `networkInput` makes it),
   * with the gradient reaching that input: what a receptive-field map
   * differentiates.
   */
  logitsFromInput(input: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor5D;
  /** Mean negative log-likelihood per sub-pixel, in bits. */
  bitsPerDim(images: tf.Tensor4D, labels?: tf.Tensor1D): tf.Scalar;
  /** One optimizer step on a batch; returns the batch's bits/dim before the step. */
  trainStep(images: tf.Tensor4D, optimizer: tf.Optimizer, labels?: tf.Tensor1D): tf.Scalar;
  /** Number of weights the masks leave open, plus biases and tables. */
  parameterCount(): number;
  dispose(): void;
}

export interface PixelCNNOptions {
  /**
   * 'open-taps' (default): maskedConv2d, which computes only the taps the
   * masks leave open and trains on every backend. 'reference': plain
   * conv2d(x, weight ⊙ mask) with tfjs's own gradients, for comparison.
   */
  convolution?: ConvolutionChoice;
  /** 'zeros' when the weights are loaded from a file right after (serialize.modelFromSaved); 'random' (default) for a new model. */
  initial?: InitialValues;
}

export function createPixelCNN(config: PixelCNNConfig, seed = 1, options: PixelCNNOptions = {}): PixelCNN {
  validateConfig(config);
  if (config.architecture === 'gated') return createGatedPixelCNN(config, seed, options);
  const { colorChannels: C, levels, hiddenChannels: hidden, headChannels: head, inputEmbedding: E, height, width } = config;
  const prefix = nextModelPrefix('pixelcnn');
  const classes = classRows(config) || undefined;
  const common = { colorChannels: C, classes, initial: options.initial };

  const embedding = E > 0 ? createEmbedding(`${prefix}/embed/table`, C * levels, E, seed + config.layers + 2, options.initial) : null;
  const layers: MaskedLayer[] = [
    createLayer({
      ...common,
      name: `${prefix}/conv0`,
      role: 'input',
      maskType: 'A',
      region: 'causal',
      kernelSize: config.firstKernelSize,
      inChannels: E > 0 ? C * E : C,
      outChannels: hidden,
      seed,
      gain: 1,
      position: config.position ? { height, width } : undefined,
    }),
  ];
  for (let l = 1; l < config.layers; l++) {
    layers.push(
      createLayer({
        ...common,
        name: `${prefix}/conv${l}`,
        role: 'residual',
        maskType: 'B',
        region: 'causal',
        kernelSize: config.kernelSize,
        inChannels: hidden,
        outChannels: hidden,
        seed: seed + l,
        gain: 0.5,
      }),
    );
  }
  if (head > 0) {
    layers.push(
      createLayer({ ...common, name: `${prefix}/head`, role: 'head', maskType: 'B', region: 'causal', kernelSize: 1, inChannels: hidden, outChannels: head, seed: seed + config.layers + 1, gain: 0.5 }),
    );
  }
  layers.push(
    createLayer({ ...common, name: `${prefix}/out`, role: 'output', maskType: 'B', region: 'causal', kernelSize: 1, inChannels: head || hidden, outChannels: C * levels, seed: seed + config.layers, gain: 0.25 }),
  );

  const variables: tf.Variable[] = [
    ...(embedding ? [embedding] : []),
    ...layers.flatMap((layer) => [layer.weight, layer.bias]),
    ...positionVariables(layers),
    ...classVariables(layers),
  ];

  function logits(images: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor5D {
    // The first layer's input is a constant (the scaled image) unless it is the embedding, which learns through it.
    return tf.tidy(() => forward(networkInput(images, embedding, levels), labels, embedding !== null));
  }

  function forward(x: tf.Tensor4D, labels: tf.Tensor1D | undefined, firstInputGradient: boolean): tf.Tensor5D {
    return tf.tidy(() => {
      const [batch, height, width] = x.shape;
      const oneHot = labelRows(labels, config, batch);
      let h = x;
      for (const layer of layers) {
        const inputGradient = layer.role !== 'input' || firstInputGradient;
        const c = withConditioning(convolve(layer, h, inputGradient, options.convolution), layer, oneHot);
        if (layer.role === 'residual') h = h.add(tf.relu(c));
        else if (layer.role === 'output') h = c;
        else h = tf.relu(c);
      }
      return h.reshape([batch, height, width, C, levels]) as tf.Tensor5D;
    });
  }

  return {
    config,
    embedding,
    layers,
    variables,
    logits,
    logitsFromInput: (input, labels) => forward(input, labels, true),
    ...lossFunctions(logits, levels, variables),
    parameterCount: () => layers.reduce((total, layer) => total + layerParameters(layer), embedding?.size ?? 0),
    dispose() {
      embedding?.dispose();
      layers.forEach(disposeLayer);
    },
  };
}
