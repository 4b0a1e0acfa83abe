import { classRows, type PixelCNNConfig } from './config';
import { type ConstantTerms, constantTerms } from './incrementalConditioning';
import type { LayerSpec } from './layers';
import type { LayerRole } from './network';
import { maskValues, type MaskRegion, type MaskType } from './masks';
import { decodeFloat32, ModelFileError, type SavedModel } from './modelFile';

/**
 * The Gated PixelCNN's layers as plain data, with no tfjs: what each layer
 * is (the plan, which gatedPixelCNN.ts builds its variables from), and the
 * values the incremental sampler reads (a network). A network comes from a
 * live model (incrementalSampler.ts) or straight from a model file
 * (`gatedNetworkFromFile`), so the worker can draw its first grid before
 * tfjs has loaded.
 */

/** One masked convolution of the plan: a LayerSpec whose name is the model file's (no per-model prefix). */
export type LayerPlan = Omit<LayerSpec, 'initial'>;

export interface GatedPlan {
  /** The level-embedding table [C·levels, E], when the model embeds levels. */
  embedding: { name: string; rows: number; size: number } | null;
  /** Per gated layer: its two stacks, the [2p, 2p] link from the vertical to the horizontal pre-activation, and (after the first) the residual 1×1. */
  stacks: Array<{ vertical: LayerPlan; horizontal: LayerPlan; link: { name: string; size: number; seed: number }; residual: LayerPlan | null }>;
  /** The head (if any), then the output layer. */
  outputs: LayerPlan[];
}

export function gatedPlan(config: PixelCNNConfig): GatedPlan {
  const { colorChannels: C, levels, hiddenChannels: p, headChannels: head, inputEmbedding: E, height, width } = config;
  const classes = classRows(config) || undefined;
  const position = config.position ? { height, width } : undefined;
  const stackLayer = (l: number, stack: 'v' | 'h', inChannels: number): LayerPlan => ({
    name: `${stack}${l}`,
    role: stack === 'v' ? 'vertical' : 'horizontal',
    maskType: l === 0 ? 'A' : 'B',
    region: stack === 'v' ? 'vertical' : 'horizontal',
    kernelSize: l === 0 ? config.firstKernelSize : config.kernelSize,
    inChannels,
    outChannels: 2 * p,
    colorChannels: C,
    seed: 10 * l + (stack === 'v' ? 1 : 2),
    gain: 1,
    position: l === 0 ? position : undefined,
    classes,
  });
  const oneByOne = (name: string, role: LayerRole, inChannels: number, outChannels: number, seed: number, gain: number, conditioned: boolean): LayerPlan => ({
    name,
    role,
    maskType: 'B',
    region: 'causal',
    kernelSize: 1,
    inChannels,
    outChannels,
    colorChannels: C,
    seed,
    gain,
    classes: conditioned ? classes : undefined,
  });
  const stacks: GatedPlan['stacks'] = [];
  for (let l = 0; l < config.layers; l++) {
    const inChannels = l === 0 ? (E > 0 ? C * E : C) : p;
    stacks.push({
      vertical: stackLayer(l, 'v', inChannels),
      horizontal: stackLayer(l, 'h', inChannels),
      link: { name: `link${l}/weight`, size: 2 * p, seed: 10 * l + 3 },
      residual: l === 0 ? null : oneByOne(`res${l}`, 'gatedResidual', p, p, 10 * l + 4, 0.5, false),
    });
  }
  const outputs = [...(head > 0 ? [oneByOne('head', 'head', p, head, 997, 0.5, true)] : []), oneByOne('out', 'output', head || p, C * levels, 998, 0.25, true)];
  return { embedding: E > 0 ? { name: 'embed/table', rows: C * levels, size: E } : null, stacks, outputs };
}

/** What the incremental sampler reads of one masked convolution. */
export interface NetworkLayer {
  role: LayerRole;
  maskType: MaskType;
  region: MaskRegion;
  /** [kernelSize, kernelSize, inChannels, outChannels]. */
  shape: [number, number, number, number];
  /** HWIO, row-major, already multiplied by the mask. */
  weight: Float32Array;
  /** The bias and the position and class terms. */
  constants: ConstantTerms;
}

export interface GatedNetwork {
  config: PixelCNNConfig;
  embedding: Float32Array | null;
  stacks: Array<{ vertical: NetworkLayer; horizontal: NetworkLayer; link: Float32Array; residual: NetworkLayer | null }>;
  outputs: NetworkLayer[];
}

/**
 * The network held by a model file, with no tfjs. Each tensor is checked
 * against the plan (present, of its shape, finite) and each weight is
 * multiplied by its mask, as the model would; throws ModelFileError naming
 * the first that is not right.
 */
export function gatedNetworkFromFile(saved: SavedModel): GatedNetwork {
  const { config } = saved;
  if (config.architecture !== 'gated') throw new ModelFileError(`A ${config.architecture} model is not a Gated PixelCNN.`);
  const byName = new Map(saved.tensors.map((t) => [t.name, t]));
  const read = (name: string, shape: number[]): Float32Array => {
    const entry = byName.get(name);
    if (!entry) throw new ModelFileError(`The model file is missing tensor "${name}".`);
    if (entry.shape.join('×') !== shape.join('×'))
      throw new ModelFileError(`Tensor "${name}" has shape ${entry.shape.join('×')}, expected ${shape.join('×')}.`);
    const values = decodeFloat32(entry.data, name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new ModelFileError(`Tensor "${name}" holds ${values.length} values, expected ${size}.`);
    for (const value of values) if (!Number.isFinite(value)) throw new ModelFileError(`Tensor "${name}" contains NaN or infinite values.`);
    return values;
  };
  const layer = (plan: LayerPlan): NetworkLayer => {
    const { name, kernelSize: k, inChannels, outChannels, colorChannels, maskType, region } = plan;
    const shape: NetworkLayer['shape'] = [k, k, inChannels, outChannels];
    const weight = read(`${name}/weight`, shape);
    const mask = maskValues(maskType, { kernelSize: k, inChannels, outChannels, colorChannels, region });
    for (let i = 0; i < weight.length; i++) weight[i] *= mask[i];
    const constants = constantTerms(
      {
        bias: read(`${name}/bias`, [outChannels]),
        rows: plan.position ? read(`${name}/rows`, [plan.position.height, outChannels]) : null,
        cols: plan.position ? read(`${name}/cols`, [plan.position.width, outChannels]) : null,
        classTable: plan.classes ? read(`${name}/class`, [plan.classes, outChannels]) : null,
      },
      config.height,
      config.width,
    );
    return { role: plan.role, maskType, region, shape, weight, constants };
  };
  const plan = gatedPlan(config);
  return {
    config,
    embedding: plan.embedding ? read(plan.embedding.name, [plan.embedding.rows, plan.embedding.size]) : null,
    stacks: plan.stacks.map((s) => ({
      vertical: layer(s.vertical),
      horizontal: layer(s.horizontal),
      link: read(s.link.name, [s.link.size, s.link.size]),
      residual: s.residual ? layer(s.residual) : null,
    })),
    outputs: plan.outputs.map(layer),
  };
}
