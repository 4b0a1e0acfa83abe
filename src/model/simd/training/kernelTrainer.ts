import * as tf from '@tensorflow/tfjs';
import type { PixelCNNConfig } from '../../config';
import type { PixelCNN } from '../../network';
import { simdAvailable } from '../simd';
import { GatedKernelNetwork, gatedParameterSpecs } from './gated';
import type { KernelNetwork } from './network';
import { PlainKernelNetwork, plainParameterSpecs } from './plain';
import type { TapRule } from './parameters';

/**
 * A training step whose arithmetic runs in the project's own WebAssembly SIMD
 * kernels (kernels.wat) instead of tfjs ops: one workspace per model, no
 * tensor per intermediate. It reads the model's variables once, trains its
 * own copy of them with Adam exactly as tf.train.adam(learningRate) does,
 * and writes them back to the model when asked (`writeTo`), so sampling and
 * saving see them.
 *
 * Arrays cross in the model's variable order and full tfjs shapes, as
 * dataParallel/shares.ts's share gradients do.
 */

/** Why the kernel step cannot train `model` (the caller then trains with tfjs), or null when it can. */
export function kernelTrainingUnsupported(model: PixelCNN): string | null {
  const reason = kernelConfigUnsupported(model.config);
  if (reason) return reason;
  const specs = parameterSpecs(model.config);
  if (specs.length !== model.variables.length) return 'the model has variables the SIMD training kernels do not know';
  for (let i = 0; i < specs.length; i++) {
    const variable = model.variables[i];
    if (!variable.name.endsWith(`/${specs[i].name}`) || variable.shape.join('×') !== specs[i].shape.join('×'))
      return `variable ${variable.name} is not the ${specs[i].name} the SIMD training kernels expect`;
  }
  return null;
}

/** Why the kernel step cannot train models of `config`, or null when it can (kernelTrainingUnsupported also checks a model's variables). */
export function kernelConfigUnsupported(config: PixelCNNConfig): string | null {
  if (!simdAvailable()) return 'this engine has no WebAssembly SIMD';
  if (config.architecture !== 'gated' && config.architecture !== 'pixelcnn')
    return `the SIMD training kernels do not know the ${String(config.architecture)} architecture`;
  return null;
}

function parameterSpecs(config: PixelCNNConfig) {
  return config.architecture === 'gated' ? gatedParameterSpecs(config) : plainParameterSpecs(config);
}

/** The bits/dim of a batch before any step, and the gradient of every variable (model.variables order, full shapes). */
export interface KernelGradients {
  bits: number;
  gradients: Float32Array[];
}

/** Adam's state: steps taken, and the first and second moments of every variable. */
export interface AdamMoments {
  iterations: number;
  first: Float32Array[];
  second: Float32Array[];
}

export class KernelTrainer {
  private readonly network: KernelNetwork;
  /** tfjs's epsilon for Adam: the backend's (1e-7 on wasm and the CPU). */
  private readonly epsilon: number;

  private constructor(network: KernelNetwork, epsilon: number) {
    this.network = network;
    this.epsilon = epsilon;
  }

  /** A trainer for `model`, holding a copy of its current values; throws with kernelTrainingUnsupported's reason. */
  static async create(model: PixelCNN, options: { tapRule?: TapRule } = {}): Promise<KernelTrainer> {
    const reason = kernelTrainingUnsupported(model);
    if (reason) throw new Error(`The SIMD kernels cannot train this model: ${reason}.`);
    const { config } = model;
    const network = config.architecture === 'gated' ? new GatedKernelNetwork(config, options.tapRule) : new PlainKernelNetwork(config, options.tapRule);
    const trainer = new KernelTrainer(network, tf.backend().epsilon());
    trainer.loadWeights(await Promise.all(model.variables.map(async (v) => (await v.data()) as Float32Array)));
    return trainer;
  }

  /** One Adam step on `count` images ([count, H, W, C] levels) and their labels; returns the batch's bits/dim before the step. */
  step(pixels: Int32Array, count: number, labels: Int32Array | undefined, learningRate: number): number {
    const bits = this.network.computeGradients(pixels, count, labels);
    this.network.adam(learningRate, this.epsilon);
    return bits;
  }

  /** The bits/dim of the batch and every variable's gradient, without a step. */
  gradients(pixels: Int32Array, count: number, labels?: Int32Array): KernelGradients {
    const bits = this.network.computeGradients(pixels, count, labels);
    return { bits, gradients: this.network.gradientArrays() };
  }

  /** One Adam step with the given gradients (model.variables order, full shapes; closed taps' entries are ignored). */
  applyGradients(gradients: Float32Array[], learningRate: number): void {
    this.network.loadGradients(gradients);
    this.network.adam(learningRate, this.epsilon);
  }

  /** Adam's step count and moments (model.variables order, full shapes), for a checkpoint. */
  optimizerState(): AdamMoments {
    return this.network.optimizerState();
  }

  /** Adam's state from a checkpoint, as AdamOptimizer.setWeights takes it. */
  loadOptimizerState(state: AdamMoments): void {
    this.network.loadOptimizerState(state);
  }

  /** Forgets Adam's moments, as a fresh tf.train.adam would. */
  resetOptimizer(): void {
    this.network.resetOptimizer();
  }

  /** The logits of a batch, [count, H, W, C, levels] flattened: the kernel path's forward pass. */
  logits(pixels: Int32Array, count: number, labels?: Int32Array): Float32Array {
    return this.network.logits(pixels, count, labels);
  }

  /** Every variable's current values (model.variables order, full shapes, zeros at closed taps). */
  weights(): Float32Array[] {
    return this.network.weights();
  }

  loadWeights(values: Float32Array[]): void {
    this.network.loadWeights(values);
  }

  /** Assigns the trained values to the model's variables, so sampling and saving see them. */
  writeTo(model: PixelCNN): void {
    const values = this.weights();
    model.variables.forEach((variable, i) => {
      const tensor = tf.tensor(values[i], variable.shape);
      variable.assign(tensor);
      tensor.dispose();
    });
  }

  /** Bytes of WebAssembly memory the trainer holds. */
  get bytes(): number {
    return this.network.bytes;
  }

  /** Nothing to free by hand: the module's memory goes with the trainer. */
  dispose(): void {}
}
