import { classRows, type PixelCNNConfig } from '../../config';
import type { LayerPlan } from '../../gatedNetwork';
import type { Parameter, ParameterSpec, TapRule } from './parameters';
import { type Convolution, KernelNetwork, layerSpecs, tableSpecs } from './network';
import type { Region } from './space';

/**
 * The plain PixelCNN's training step on the kernels, following
 * plainPixelCNN.ts line by line:
 *
 *   h = relu(conv_A(x) + where + class)          first layer
 *   h = h + relu(conv_B(h) + class)              each later layer
 *   h = relu(head_B_1x1(h) + class)              if headChannels
 *   logits = out_B_1x1(h) + class
 *
 * and back again. Every layer's pre-activation and output stay in the
 * workspace for the backward pass.
 */

/** The plain PixelCNN's layers as plain data, as plainPixelCNN.ts makes them (names without the model's prefix). */
export function plainPlan(config: PixelCNNConfig): { embedding: { name: string; rows: number; size: number } | null; layers: LayerPlan[] } {
  const { colorChannels: C, levels, hiddenChannels: hidden, headChannels: head, inputEmbedding: E, height, width } = config;
  const classes = classRows(config) || undefined;
  const layer = (name: string, role: LayerPlan['role'], maskType: 'A' | 'B', kernelSize: number, inChannels: number, outChannels: number): LayerPlan => ({
    name,
    role,
    maskType,
    region: 'causal',
    kernelSize,
    inChannels,
    outChannels,
    colorChannels: C,
    seed: 0,
    gain: 1,
    classes,
  });
  const layers: LayerPlan[] = [
    { ...layer('conv0', 'input', 'A', config.firstKernelSize, E > 0 ? C * E : C, hidden), position: config.position ? { height, width } : undefined },
  ];
  for (let l = 1; l < config.layers; l++) layers.push(layer(`conv${l}`, 'residual', 'B', config.kernelSize, hidden, hidden));
  if (head > 0) layers.push(layer('head', 'head', 'B', 1, hidden, head));
  layers.push(layer('out', 'output', 'B', 1, head || hidden, C * levels));
  return { embedding: E > 0 ? { name: 'embed/table', rows: C * levels, size: E } : null, layers };
}

/** The variables of a plain PixelCNN in plainPixelCNN.ts's order. */
export function plainParameterSpecs(config: PixelCNNConfig): ParameterSpec[] {
  const { embedding, layers } = plainPlan(config);
  return [
    ...(embedding ? [{ name: embedding.name, shape: [embedding.rows, embedding.size] }] : []),
    ...layers.flatMap((layer) => {
      const { weight, bias } = layerSpecs(layer);
      return [weight, bias];
    }),
    ...tableSpecs(layers),
  ];
}

interface BatchArrays {
  x: Region;
  /** Per layer: its pre-activation and its output (h, or the logits for the output layer). */
  pre: Region[];
  out: Region[];
  stats: Region;
  gather: Region;
  dGather: Region;
  dh: Region;
  dPre: Region;
  dx: Region | null;
}

export class PlainKernelNetwork extends KernelNetwork {
  private readonly embedding: Parameter | null;
  private readonly layers: Convolution[];
  private arrays!: BatchArrays;

  constructor(config: PixelCNNConfig, rule?: TapRule) {
    super(config, plainParameterSpecs(config), rule);
    const plan = plainPlan(config);
    this.embedding = plan.embedding ? this.parameter(plan.embedding.name) : null;
    this.layers = plan.layers.map((layer) => this.convolution(layer));
    this.finishLayout();
  }

  protected layoutBatch(n: number): void {
    const space = this.space;
    const widestGather = Math.max(0, ...this.layers.filter((c) => !c.centreOnly).map((c) => c.gathered));
    const widest = Math.max(...this.layers.map((c) => Math.max(c.inChannels, c.outChannels)));
    this.arrays = {
      x: space.allocate(n * this.layers[0].inChannels),
      // the output layer's logits are its output; it needs no separate pre-activation
      pre: this.layers.map((c) => (c.plan.role === 'output' ? { at: 0, length: 0 } : space.allocate(n * c.outChannels))),
      out: this.layers.map((c) => space.allocate(n * c.outChannels)),
      stats: space.allocate(2 * n * this.config.colorChannels),
      gather: space.allocate(n * widestGather),
      dGather: space.allocate(n * widestGather),
      dh: space.allocate(n * widest),
      dPre: space.allocate(n * widest),
      dx: this.embedding ? space.allocate(n * this.layers[0].inChannels) : null,
    };
  }

  protected logitsRegion(): Region {
    return this.arrays.out[this.layers.length - 1];
  }

  protected forward(): void {
    const n = this.positions;
    const a = this.arrays;
    this.writeInput(a.x, this.embedding);
    let input = a.x.at;
    this.layers.forEach((c, l) => {
      const out = a.out[l].at;
      if (c.plan.role === 'output') {
        this.convolve(c, input, out, a.gather.at);
        return;
      }
      this.convolve(c, input, a.pre[l].at, a.gather.at);
      this.space.relu(out, a.pre[l].at, n * c.outChannels);
      // a residual layer adds its input, channel to channel (so colour group to colour group)
      if (c.plan.role === 'residual') this.space.addTerms(out, c.outChannels, input, c.outChannels, this.zeros.at, 0, n, c.outChannels);
      input = out;
    });
  }

  protected lossAndLogitGradient(): number {
    return this.crossEntropy(this.logitsRegion(), this.arrays.stats);
  }

  protected backward(): void {
    const n = this.positions;
    const a = this.arrays;
    const space = this.space;
    // dh holds the gradient of the current layer's output; each layer turns it into its input's
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const c = this.layers[l];
      const input = l === 0 ? a.x.at : a.out[l - 1].at;
      const dInput = l === 0 ? a.dx : a.dh;
      if (c.plan.role === 'output') {
        this.convolveBackward(c, input, a.out[l].at, dInput, false, a.gather.at, a.dGather.at);
        continue;
      }
      space.reluBackward(a.pre[l].at, a.dh.at, a.dPre.at, n * c.outChannels);
      // a residual layer passes dh down unchanged and adds its convolution's input gradient to it
      this.convolveBackward(c, input, a.dPre.at, dInput, c.plan.role === 'residual', a.gather.at, a.dGather.at);
    }
    if (this.embedding && a.dx) this.embeddingBackward(a.dx, this.embedding);
  }
}
