import * as tf from '@tensorflow/tfjs';
import { classRows, type PixelCNNConfig } from './config';
import {
  classVariables,
  convolve,
  createEmbedding,
  createLayer,
  disposeLayer,
  labelRows,
  layerParameters,
  lossFunctions,
  networkInput,
  nextModelPrefix,
  positionVariables,
  withConditioning,
} from './layers';
import type { MaskedLayer, PixelCNN, PixelCNNOptions } from './network';

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
 * The Gated PixelCNN is gatedPixelCNN.ts. Both meet the PixelCNN contract
 * (network.ts), and createPixelCNN (pixelcnn.ts) picks one by
 * `config.architecture`.
 */

/** The plain PixelCNN for a checked `config` (createPixelCNN, pixelcnn.ts, checks it and picks the architecture). */
export function createPlainPixelCNN(config: PixelCNNConfig, seed = 1, options: PixelCNNOptions = {}): PixelCNN {
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
      createLayer({
        ...common,
        name: `${prefix}/head`,
        role: 'head',
        maskType: 'B',
        region: 'causal',
        kernelSize: 1,
        inChannels: hidden,
        outChannels: head,
        seed: seed + config.layers + 1,
        gain: 0.5,
      }),
    );
  }
  layers.push(
    createLayer({
      ...common,
      name: `${prefix}/out`,
      role: 'output',
      maskType: 'B',
      region: 'causal',
      kernelSize: 1,
      inChannels: head || hidden,
      outChannels: C * levels,
      seed: seed + config.layers,
      gain: 0.25,
    }),
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
