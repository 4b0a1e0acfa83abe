import * as tf from '@tensorflow/tfjs';
import type { PixelCNNConfig } from './config';
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
  normalVariable,
  positionVariables,
  withConditioning,
} from './layers';
import { gatedPlan, type LayerPlan } from './gatedNetwork';
import type { MaskedLayer, PixelCNN, PixelCNNOptions } from './network';

/**
 * Gated PixelCNN (van den Oord et al., 2016, "Conditional Image Generation
 * with PixelCNN Decoders"), read top to bottom:
 *
 *   x  = the embedded or scaled levels                          [B, H, W, Cin]
 *   layer 0:
 *     av = vertical_A(x) + where + class                        rows above only, k0 wide   → 2p
 *     ah = horizontal_A(x) + av·link + where + class            row to the left, mask A    → 2p
 *     v  = gate(av);  h = gate(ah)                                                          → p
 *   layer l = 1 … layers−1:
 *     av = vertical_B(v) + class                                rows above and this row    → 2p
 *     ah = horizontal_B(h) + av·link + class                    row to the left, mask B    → 2p
 *     v  = gate(av)
 *     h  = h + residual_B_1x1(gate(ah))                         group to group
 *   h      = relu(head_B_1x1(h) + class)     if headChannels
 *   logits = out_B_1x1(h) + class            → [B, H, W, C, levels]
 *
 *   gate(a) = tanh(f) ⊙ σ(g), a = C groups of [f | g], q = p/C channels each.
 *
 * Why no blind spot: the vertical stack sees every column of the rows above,
 * and feeds the horizontal one at each position, so the triangle up and to
 * the right that stacked causal masks never reach is in view from the first
 * layer on. Why it stays causal: the vertical stack never sees the current
 * row. Its first layer sees only the rows above (vertical A), and each later
 * layer combines rows up to its own of features that already exclude their
 * row, so the link av·link into the horizontal stack carries only earlier
 * rows and needs no mask. The horizontal stack keeps the colour groups
 * exactly as the PixelCNN does: mask A or B at its centre tap, and a mask-B
 * residual that adds group to group.
 *
 * docs/ARCHITECTURES.md is the exact contract (shapes, names, gate layout).
 */

/** One gated layer: its two stacks' convolutions, the link between them, and (after the first) the residual 1×1. */
export interface GatedLayer {
  vertical: MaskedLayer;
  horizontal: MaskedLayer;
  /** [2p, 2p], the vertical pre-activation's contribution to the horizontal one at the same position. */
  link: tf.Variable<tf.Rank.R2>;
  residual: MaskedLayer | null;
}

export interface GatedPixelCNN extends PixelCNN {
  readonly gatedLayers: readonly GatedLayer[];
  /** The head (if any), then the output layer. */
  readonly outputLayers: readonly MaskedLayer[];
}

/**
 * tanh(f) ⊙ σ(g) per colour group: a [B, H, W, 2p] in C groups of [f (q) | g (q)] → [B, H, W, p].
 *
 * Computed as (2σ(2f) − 1) ⊙ σ(g), which is the same function: one sigmoid
 * over the whole of a (f scaled by 2 first), and the f and g halves picked
 * out by products with 0/1 selection matrices. On tfjs-backend-wasm Tanh runs
 * a scalar loop about ten times slower than its Sigmoid, and slicing the
 * channel axis copies at a fraction of matMul's speed.
 */
export function gate(a: tf.Tensor4D, colorChannels: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = a.shape;
    const q = channels / 2 / colorChannels;
    const { scale, pickF, pickG } = gateConstants(q);
    const s = tf.sigmoid(tf.mul(a.reshape([batch * height * width * colorChannels, 2 * q]), scale));
    const f = tf.sub(tf.mul(tf.matMul(s, pickF), 2), 1);
    return tf.mul(f, tf.matMul(s, pickG)).reshape([batch, height, width, channels / 2]);
  });
}

/** [2 … 2 | 1 … 1] and the two [2q, q] selections of the gate, made per call (they are tiny, and a tidy disposes them). */
function gateConstants(q: number): { scale: tf.Tensor1D; pickF: tf.Tensor2D; pickG: tf.Tensor2D } {
  const scale = new Float32Array(2 * q);
  const pickF = new Float32Array(2 * q * q);
  const pickG = new Float32Array(2 * q * q);
  for (let i = 0; i < q; i++) {
    scale[i] = 2;
    scale[q + i] = 1;
    pickF[i * q + i] = 1;
    pickG[(q + i) * q + i] = 1;
  }
  return { scale: tf.tensor1d(scale), pickF: tf.tensor2d(pickF, [2 * q, q]), pickG: tf.tensor2d(pickG, [2 * q, q]) };
}

/** a [B, H, W, n] times the matrix [n, m] at every position. */
function perPosition(a: tf.Tensor4D, matrix: tf.Tensor2D): tf.Tensor4D {
  const [batch, height, width, channels] = a.shape;
  return tf.matMul(a.reshape([batch * height * width, channels]), matrix).reshape([batch, height, width, matrix.shape[1]]);
}

export function createGatedPixelCNN(config: PixelCNNConfig, seed = 1, options: PixelCNNOptions = {}): GatedPixelCNN {
  const { colorChannels: C, levels } = config;
  const prefix = nextModelPrefix('gated');
  // What each layer is comes from the plan (gatedNetwork.ts), which the tfjs-free sampler of a model file reads too.
  const plan = gatedPlan(config);
  const build = (layer: LayerPlan): MaskedLayer =>
    createLayer({ ...layer, name: `${prefix}/${layer.name}`, seed: seed + layer.seed, initial: options.initial });

  const embedding = plan.embedding
    ? createEmbedding(`${prefix}/${plan.embedding.name}`, plan.embedding.rows, plan.embedding.size, seed + 1000, options.initial)
    : null;
  const gatedLayers: GatedLayer[] = plan.stacks.map((stack) => ({
    vertical: build(stack.vertical),
    horizontal: build(stack.horizontal),
    link: normalVariable<tf.Rank.R2>(
      `${prefix}/${stack.link.name}`,
      [stack.link.size, stack.link.size],
      0.5 / Math.sqrt(stack.link.size),
      seed + stack.link.seed,
      options.initial,
    ),
    residual: stack.residual ? build(stack.residual) : null,
  }));
  const outputLayers = plan.outputs.map(build);

  const layers: MaskedLayer[] = [
    ...gatedLayers.flatMap(({ vertical, horizontal, residual }) => (residual ? [vertical, horizontal, residual] : [vertical, horizontal])),
    ...outputLayers,
  ];
  const variables: tf.Variable[] = [
    ...(embedding ? [embedding] : []),
    ...gatedLayers.flatMap(({ vertical, horizontal, link, residual }) => [
      vertical.weight,
      vertical.bias,
      horizontal.weight,
      horizontal.bias,
      link,
      ...(residual ? [residual.weight, residual.bias] : []),
    ]),
    ...outputLayers.flatMap((layer) => [layer.weight, layer.bias]),
    ...positionVariables(layers),
    ...classVariables(layers),
  ];

  function logits(images: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor5D {
    // The image is a constant input unless it is the embedding, which learns through it.
    return tf.tidy(() => forward(networkInput(images, embedding, levels), labels, embedding !== null));
  }

  function forward(x: tf.Tensor4D, labels: tf.Tensor1D | undefined, inputGradient: boolean): tf.Tensor5D {
    return tf.tidy(() => {
      const [batch, height, width] = x.shape;
      const oneHot = labelRows(labels, config, batch);
      let v = x;
      let h = x;
      gatedLayers.forEach(({ vertical, horizontal, link, residual }, l) => {
        const av = withConditioning(convolve(vertical, v, l > 0 || inputGradient, options.convolution), vertical, oneHot);
        const ah = withConditioning(convolve(horizontal, h, l > 0 || inputGradient, options.convolution), horizontal, oneHot).add(
          perPosition(av, link),
        ) as tf.Tensor4D;
        v = gate(av, C);
        if (residual) h = h.add(convolve(residual, gate(ah, C), true, options.convolution)) as tf.Tensor4D;
        else h = gate(ah, C);
      });
      for (const layer of outputLayers) {
        const c = withConditioning(convolve(layer, h, true, options.convolution), layer, oneHot);
        h = layer.role === 'output' ? c : tf.relu(c);
      }
      return h.reshape([batch, height, width, C, levels]) as tf.Tensor5D;
    });
  }

  return {
    config,
    embedding,
    layers,
    gatedLayers,
    outputLayers,
    variables,
    logits,
    logitsFromInput: (input, labels) => forward(input, labels, true),
    ...lossFunctions(logits, levels, variables),
    parameterCount: () =>
      layers.reduce((total, layer) => total + layerParameters(layer), (embedding?.size ?? 0) + gatedLayers.reduce((n, g) => n + g.link.size, 0)),
    dispose() {
      embedding?.dispose();
      layers.forEach(disposeLayer);
      gatedLayers.forEach(({ link }) => link.dispose());
    },
  };
}
