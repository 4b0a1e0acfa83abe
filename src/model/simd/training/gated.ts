import type { PixelCNNConfig } from '../../config';
import { gatedPlan } from '../../gatedNetwork';
import type { Parameter, ParameterSpec, TapRule } from './parameters';
import { type Convolution, KernelNetwork, layerSpecs, type Matrix, tableSpecs } from './network';
import type { Region } from './space';

/**
 * The Gated PixelCNN's training step on the kernels, following gatedPixelCNN.ts
 * line by line (the same plan, gatedNetwork.ts):
 *
 *   layer l:  av = vertical(v) + cond;  ah = horizontal(h) + cond + av·link
 *             v = gate(av);  g = gate(ah);  h = h + residual(g)  (layer 0: h = g)
 *   head:     z = relu(head(h) + cond)
 *   logits:   out(z) + cond
 *
 * and back again. Each layer's pre-activations (av, ah), its gated outputs
 * and h stay in the workspace for the backward pass; gathers are made again
 * there, into one scratch array, rather than kept.
 */

interface Stack {
  vertical: Convolution;
  horizontal: Convolution;
  link: Matrix;
  residual: Convolution | null;
}

interface LayerArrays {
  av: Region;
  ah: Region;
  v: Region;
  g: Region;
  /** h after this layer: g for the first layer, else its own array. */
  h: Region;
}

interface BatchArrays {
  x: Region;
  layers: LayerArrays[];
  headPre: Region | null;
  head: Region | null;
  logits: Region;
  stats: Region;
  gather: Region;
  dGather: Region;
  dv: Region;
  dvBelow: Region;
  dh: Region;
  dg: Region;
  dav: Region;
  dah: Region;
  dHead: Region | null;
  dx: Region | null;
}

/** The variables of a Gated PixelCNN in gatedPixelCNN.ts's order, as the plan names them. */
export function gatedParameterSpecs(config: PixelCNNConfig): ParameterSpec[] {
  const plan = gatedPlan(config);
  const layers = [...plan.stacks.flatMap((s) => (s.residual ? [s.vertical, s.horizontal, s.residual] : [s.vertical, s.horizontal])), ...plan.outputs];
  const pair = (layer: (typeof layers)[number]) => {
    const { weight, bias } = layerSpecs(layer);
    return [weight, bias];
  };
  return [
    ...(plan.embedding ? [{ name: plan.embedding.name, shape: [plan.embedding.rows, plan.embedding.size] }] : []),
    ...plan.stacks.flatMap((s) => [
      ...pair(s.vertical),
      ...pair(s.horizontal),
      { name: s.link.name, shape: [s.link.size, s.link.size] },
      ...(s.residual ? pair(s.residual) : []),
    ]),
    ...plan.outputs.flatMap(pair),
    ...tableSpecs(layers),
  ];
}

export class GatedKernelNetwork extends KernelNetwork {
  private readonly embedding: Parameter | null;
  private readonly stacks: Stack[];
  private readonly outputs: Convolution[];
  private arrays!: BatchArrays;

  constructor(config: PixelCNNConfig, rule?: TapRule) {
    super(config, gatedParameterSpecs(config), rule);
    const plan = gatedPlan(config);
    this.embedding = plan.embedding ? this.parameter(plan.embedding.name) : null;
    this.stacks = plan.stacks.map((s) => ({
      vertical: this.convolution(s.vertical),
      horizontal: this.convolution(s.horizontal),
      link: this.matrix(s.link.name, s.link.size),
      residual: s.residual ? this.convolution(s.residual) : null,
    }));
    this.outputs = plan.outputs.map((layer) => this.convolution(layer));
    this.finishLayout();
  }

  protected layoutBatch(n: number): void {
    const { hiddenChannels: p, headChannels: head, colorChannels: C, levels } = this.config;
    const space = this.space;
    const cin = this.stacks[0].vertical.inChannels;
    const widestGather = Math.max(0, ...this.convolutions.filter((c) => !c.centreOnly).map((c) => c.gathered));
    const layers = this.stacks.map((s) => {
      const g = space.allocate(n * p);
      return { av: space.allocate(n * 2 * p), ah: space.allocate(n * 2 * p), v: space.allocate(n * p), g, h: s.residual ? space.allocate(n * p) : g };
    });
    this.arrays = {
      x: space.allocate(n * cin),
      layers,
      headPre: head ? space.allocate(n * head) : null,
      head: head ? space.allocate(n * head) : null,
      logits: space.allocate(n * C * levels),
      stats: space.allocate(2 * n * C),
      gather: space.allocate(n * widestGather),
      dGather: space.allocate(n * widestGather),
      dv: space.allocate(n * p),
      dvBelow: space.allocate(n * p),
      dh: space.allocate(n * p),
      dg: space.allocate(n * p),
      dav: space.allocate(n * 2 * p),
      dah: space.allocate(n * 2 * p),
      dHead: head ? space.allocate(n * head) : null,
      dx: this.embedding ? space.allocate(n * cin) : null,
    };
  }

  protected logitsRegion(): Region {
    return this.arrays.logits;
  }

  protected forward(): void {
    const { hiddenChannels: p, colorChannels: C } = this.config;
    const n = this.positions;
    const a = this.arrays;
    const space = this.space;
    this.writeInput(a.x, this.embedding);
    this.stacks.forEach((s, l) => {
      const here = a.layers[l];
      const below = l === 0 ? null : a.layers[l - 1];
      this.convolve(s.vertical, below ? below.v.at : a.x.at, here.av.at, a.gather.at);
      this.convolve(s.horizontal, below ? below.h.at : a.x.at, here.ah.at, a.gather.at);
      space.multiply(here.av.at, this.values.at + s.link.parameter.offset, here.ah.at, n, 2 * p, 2 * p, true);
      space.gate(here.av.at, here.v.at, n * C, p / C);
      space.gate(here.ah.at, here.g.at, n * C, p / C);
      if (s.residual && below) {
        this.convolve(s.residual, here.g.at, here.h.at, a.gather.at);
        space.addTerms(here.h.at, p, below.h.at, p, this.zeros.at, 0, n, p);
      }
    });
    let h = a.layers[a.layers.length - 1].h.at;
    for (const c of this.outputs) {
      if (c.plan.role === 'output') this.convolve(c, h, a.logits.at, a.gather.at);
      else {
        this.convolve(c, h, a.headPre!.at, a.gather.at);
        space.relu(a.head!.at, a.headPre!.at, n * c.outChannels);
        h = a.head!.at;
      }
    }
  }

  protected lossAndLogitGradient(): number {
    return this.crossEntropy(this.arrays.logits, this.arrays.stats);
  }

  protected backward(): void {
    const { hiddenChannels: p, colorChannels: C } = this.config;
    const n = this.positions;
    const a = this.arrays;
    const space = this.space;
    const last = a.layers[a.layers.length - 1];
    // the output layers, from the logits' gradient down to h's
    const [head, out] = this.outputs.length === 2 ? this.outputs : [null, this.outputs[0]];
    if (head) {
      this.convolveBackward(out, a.head!.at, a.logits.at, a.dHead, false, a.gather.at, a.dGather.at);
      space.reluBackward(a.headPre!.at, a.dHead!.at, a.dHead!.at, n * head.outChannels);
      this.convolveBackward(head, last.h.at, a.dHead!.at, a.dh, false, a.gather.at, a.dGather.at);
    } else {
      this.convolveBackward(out, last.h.at, a.logits.at, a.dh, false, a.gather.at, a.dGather.at);
    }
    if (a.dx) space.zero(a.dx);
    for (let l = this.stacks.length - 1; l >= 0; l--) {
      const s = this.stacks[l];
      const here = a.layers[l];
      const below = l === 0 ? null : a.layers[l - 1];
      // h = h below + residual(g): dh passes down unchanged, and g gets the residual's input gradient
      let dg = a.dh;
      if (s.residual) {
        this.convolveBackward(s.residual, here.g.at, a.dh.at, a.dg, false, a.gather.at, a.dGather.at);
        dg = a.dg;
      }
      space.gateBackward(here.ah.at, dg.at, a.dah.at, n * C, p / C);
      if (l < this.stacks.length - 1) space.gateBackward(here.av.at, a.dv.at, a.dav.at, n * C, p / C);
      else space.zero(a.dav); // the last layer's v feeds nothing
      space.multiply(a.dah.at, s.link.transposed.at, a.dav.at, n, 2 * p, 2 * p, true);
      space.addTransposedProduct(here.av.at, a.dah.at, this.grads.at + s.link.parameter.offset, n, 2 * p, 2 * p);
      if (below) {
        this.convolveBackward(s.horizontal, below.h.at, a.dah.at, a.dh, true, a.gather.at, a.dGather.at);
        this.convolveBackward(s.vertical, below.v.at, a.dav.at, a.dvBelow, false, a.gather.at, a.dGather.at);
        [a.dv, a.dvBelow] = [a.dvBelow, a.dv];
      } else {
        this.convolveBackward(s.horizontal, a.x.at, a.dah.at, a.dx, true, a.gather.at, a.dGather.at);
        this.convolveBackward(s.vertical, a.x.at, a.dav.at, a.dx, true, a.gather.at, a.dGather.at);
      }
    }
    if (this.embedding && a.dx) this.embeddingBackward(a.dx, this.embedding);
  }
}
