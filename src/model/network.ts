import type * as tf from '@tensorflow/tfjs';
import type { PixelCNNConfig } from './config';
import type { MaskRegion, MaskType } from './masks';

/**
 * The contract every architecture meets, and the types its parts share: what
 * the samplers, the trainer, the inspector, serialisation and the engine
 * hold a model by. The architectures (plainPixelCNN.ts, gatedPixelCNN.ts)
 * are built from the parts in layers.ts; createPixelCNN (pixelcnn.ts) picks
 * one.
 * Types only: importing this module loads nothing.
 */

/**
 * What a layer does in its network (the forward passes and the incremental
 * samplers read it):
 * 'input'      PixelCNN's first layer, relu(c), on the image (mask A);
 * 'residual'   PixelCNN's later layers, h + relu(c);
 * 'head'       relu(c), a 1×1 layer of another width;
 * 'output'     c, the logits;
 * 'vertical'   a gated vertical-stack convolution (rows above);
 * 'horizontal' a gated horizontal-stack convolution (the row to the left);
 * 'gatedResidual' the gated stack's 1×1 back to h: h + c.
 */
export type LayerRole = 'input' | 'residual' | 'head' | 'output' | 'vertical' | 'horizontal' | 'gatedResidual';

/** A learned bias per row [H, n] and per column [W, n], added at (i, j) as rows[i] + cols[j]. */
export interface PositionTables {
  rows: tf.Variable<tf.Rank.R2>;
  cols: tf.Variable<tf.Rank.R2>;
}

/** One masked convolution's parameters and its fixed mask. */
export interface MaskedLayer {
  name: string;
  role: LayerRole;
  maskType: MaskType;
  region: MaskRegion;
  weight: tf.Variable<tf.Rank.R4>;
  bias: tf.Variable<tf.Rank.R1>;
  mask: tf.Tensor4D;
  /** How many entries of the mask are 1: the layer's trainable weights. */
  openWeights: number;
  /** Position tables added to this layer's pre-activation (the first layer of a model with `position`). */
  position: PositionTables | null;
  /** A bias per class [classes, outChannels] added to the pre-activation (a conditional model). */
  classTable: tf.Variable<tf.Rank.R2> | null;
}

/** How a new model's variables start: He/normal random draws, or all zeros when a file's weights replace them at once. */
export type InitialValues = 'random' | 'zeros';

export type ConvolutionChoice = 'open-taps' | 'reference';

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
