import * as tf from '@tensorflow/tfjs';
import type { LayerRole, MaskedLayer, PixelCNN } from './network';
import type { GatedPixelCNN } from './gatedPixelCNN';
import type { GatedNetwork, NetworkLayer } from './gatedNetwork';
import { sampleGatedNetwork } from './gatedIncrementalSampler';
import { type IncrementalArithmetic, workspace } from './incrementalArithmetic';
import { addConstantTerms, type ConstantTerms, constantTerms } from './incrementalConditioning';
import { writeInputLevel } from './inputLevels';
import { openTaps } from './masks';
import { type SampleOptions, type SampleResult, samplingRun, subPixelAt } from './sampling';

/**
 * Fast generation (after Ramachandran et al., 2017, "Fast Generation for
 * Convolutional Autoregressive Models"): every activation at a position
 * depends only on earlier sub-pixels, so it is computed once, when its
 * inputs become final, and kept in a per-layer cache.
 *
 * When sub-pixel (row, col, c) is drawn, only the features of colour group c
 * at (row, col) can change, in every layer: groups before c there are already
 * final, and groups after c are not needed yet. So each step computes exactly
 * those features from the open taps of each mask, and the whole image costs
 * one forward pass of arithmetic over the open taps — instead of H·W·C
 * forward passes for the reference sampler.
 *
 * The weights are read from the model once. Each step gathers the open-tap
 * patch of every image and multiplies it by one matrix per layer, in
 * WebAssembly SIMD or plain JavaScript (see incrementalArithmetic.ts). Both
 * apply each layer's role exactly as `createPixelCNN` does, and the parity
 * tests hold both to the reference sampler.
 */

interface Tap {
  dy: number;
  dx: number;
  /** Start of this tap's [inChannels × outChannels] block in the HWIO weights. */
  offset: number;
}

interface LayerWeights {
  /** The bias and the position and class terms. */
  constants: ConstantTerms;
  role: LayerRole;
  inChannels: number;
  outChannels: number;
  weight: Float32Array;
  taps: Tap[];
}

interface NetworkWeights {
  layers: LayerWeights[];
  /** The level-embedding table, [C·levels, E] row-major, or null for scaled levels. */
  embedding: Float32Array | null;
}

/** Copies of a layer's bias and tables, taken synchronously (so a training step in between cannot mix them); read them with `readConstantTerms`. */
function snapshotConstantTerms(layer: MaskedLayer): Array<tf.Tensor | null> {
  return [
    tf.clone(layer.bias),
    layer.position ? tf.clone(layer.position.rows) : null,
    layer.position ? tf.clone(layer.position.cols) : null,
    layer.classTable ? tf.clone(layer.classTable) : null,
  ];
}

async function readConstantTerms(snapshot: Array<tf.Tensor | null>, height: number, width: number): Promise<ConstantTerms> {
  const [bias, rows, cols, classTable] = await Promise.all(snapshot.map((t) => (t ? (t.data() as Promise<Float32Array>) : null)));
  return constantTerms({ bias: bias!, rows, cols, classTable }, height, width);
}

/** A Gated PixelCNN's values as the tfjs-free sampler reads them (gatedNetwork.ts). */
async function readGatedNetwork(model: GatedPixelCNN): Promise<GatedNetwork> {
  const { height, width } = model.config;
  // Every value in one synchronous step, so training that runs between the reads cannot mix two steps.
  const snapshot = new Map(
    model.layers.map((layer) => [layer, { weight: tf.tidy(() => tf.mul(layer.weight, layer.mask)), constants: snapshotConstantTerms(layer) }]),
  );
  const links = model.gatedLayers.map(({ link }) => tf.clone(link));
  const embedding = model.embedding ? tf.clone(model.embedding) : null;
  try {
    const read = async (layer: MaskedLayer): Promise<NetworkLayer> => {
      const { weight, constants } = snapshot.get(layer)!;
      return {
        role: layer.role,
        maskType: layer.maskType,
        region: layer.region,
        shape: layer.weight.shape,
        weight: (await weight.data()) as Float32Array,
        constants: await readConstantTerms(constants, height, width),
      };
    };
    const stacks: GatedNetwork['stacks'] = [];
    for (const [l, gated] of model.gatedLayers.entries()) {
      stacks.push({
        vertical: await read(gated.vertical),
        horizontal: await read(gated.horizontal),
        link: (await links[l].data()) as Float32Array,
        residual: gated.residual ? await read(gated.residual) : null,
      });
    }
    const outputs: NetworkLayer[] = [];
    for (const layer of model.outputLayers) outputs.push(await read(layer));
    return { config: model.config, embedding: embedding ? ((await embedding.data()) as Float32Array) : null, stacks, outputs };
  } finally {
    tf.dispose([...[...snapshot.values()].flatMap((s) => [s.weight, ...s.constants.filter((t): t is tf.Tensor => t !== null)]), ...links]);
    embedding?.dispose();
  }
}

async function readWeights(model: PixelCNN): Promise<NetworkWeights> {
  const { colorChannels } = model.config;
  // Take every weight in one synchronous step, so training that runs
  // between the reads below cannot mix weights from two steps.
  const snapshot = model.layers.map((layer) => tf.tidy(() => tf.mul(layer.weight, layer.mask)));
  const tables = model.layers.map(snapshotConstantTerms);
  const embeddingSnapshot = model.embedding ? tf.clone(model.embedding) : null;
  try {
    const embedding = embeddingSnapshot ? ((await embeddingSnapshot.data()) as Float32Array) : null;
    const layers = await Promise.all(
      model.layers.map(async (layer, i) => {
        const [k, , inChannels, outChannels] = layer.weight.shape;
        const weight = (await snapshot[i].data()) as Float32Array;
        const centre = (k - 1) / 2;
        const taps = openTaps(layer.maskType, k, colorChannels).map(([row, col]) => ({
          dy: row - centre,
          dx: col - centre,
          offset: (row * k + col) * inChannels * outChannels,
        }));
        const constants = await readConstantTerms(tables[i], model.config.height, model.config.width);
        return { role: layer.role, inChannels, outChannels, weight, taps, constants };
      }),
    );
    return { layers, embedding };
  } finally {
    tf.dispose(snapshot);
    tf.dispose(tables.flat().filter((t): t is tf.Tensor => t !== null));
    embeddingSnapshot?.dispose();
  }
}

/** Per colour group, the open-tap weights of its output columns: [taps · inChannels, outChannels / C]. */
function groupMatrices(layer: LayerWeights, colorChannels: number): Float32Array[] {
  const { inChannels: cin, outChannels: cout, weight, taps } = layer;
  const size = taps.length * cin;
  const width = cout / colorChannels;
  return Array.from({ length: colorChannels }, (_, group) => {
    const values = new Float32Array(size * width);
    taps.forEach((tap, t) => {
      for (let ci = 0; ci < cin; ci++) {
        const from = tap.offset + ci * cout + group * width;
        values.set(weight.subarray(from, from + width), (t * cin + ci) * width);
      }
    });
    return values;
  });
}

export type { IncrementalArithmetic } from './incrementalArithmetic';

export async function sampleIncremental(model: PixelCNN, options: SampleOptions, arithmetic: IncrementalArithmetic = 'auto'): Promise<SampleResult> {
  if (model.config.architecture === 'gated') return sampleGatedNetwork(await readGatedNetwork(model as GatedPixelCNN), options, arithmetic);
  return sampleWith(model, options, await readWeights(model), arithmetic);
}

async function sampleWith(
  model: PixelCNN,
  options: SampleOptions,
  { layers, embedding }: NetworkWeights,
  arithmetic: IncrementalArithmetic,
): Promise<SampleResult> {
  const { height: H, width: W, colorChannels: C, levels, inputEmbedding: E } = model.config;
  const run = samplingRun(model, options);
  const { pixels, images, perImage, start, labels, batch: count } = run;
  const label = (b: number) => (labels ? labels[b] : 0);
  const hidden = layers.slice(0, -1);
  const matrices = layers.map((layer) => groupMatrices(layer, C));

  // Caches: the network input and every layer's output but the logits, [count, H, W, channels]; with
  // every matrix, the gathered patch and a product's result, in one workspace for the products.
  const space = workspace(
    [
      ...matrices.flat().map((m) => m.length),
      count * H * W * layers[0].inChannels,
      ...hidden.map((layer) => count * H * W * layer.outChannels),
      count * Math.max(...layers.map((l) => l.taps.length * l.inChannels)),
      count * Math.max(...layers.map((l) => l.outChannels)),
    ],
    arithmetic,
  );
  const arrays = space.arrays.slice();
  const placed = matrices.map((groups) =>
    groups.map((values) => {
      const array = arrays.shift()!;
      array.set(values);
      return array;
    }),
  );
  const input = arrays.shift()!;
  const activations = hidden.map(() => arrays.shift()!);
  const [patch, product] = arrays;
  const logits = new Float32Array(count * levels);

  /**
   * Output features of group `group` of layer `layerIndex` at (row, col), for every image at once: the
   * open-tap patch of each image times the group's matrix, plus the constant terms, activated into `target`.
   * Closed centre-tap entries are zero in the matrix, so not-yet-computed later groups add nothing.
   */
  function computeGroup(layerIndex: number, source: Float32Array, target: Float32Array | null, row: number, col: number, group: number): void {
    const layer = layers[layerIndex];
    const { inChannels: cin, outChannels: cout, taps } = layer;
    const size = taps.length * cin;
    const width = cout / C;
    const oStart = group * width;
    for (let b = 0; b < count; b++) {
      let k = b * size;
      for (const tap of taps) {
        const y = row + tap.dy;
        const x = col + tap.dx;
        if (y < 0 || x < 0 || x >= W) {
          patch.fill(0, k, k + cin);
        } else {
          const base = ((b * H + y) * W + x) * cin;
          patch.set(source.subarray(base, base + cin), k);
        }
        k += cin;
      }
    }
    space.multiply(patch, placed[layerIndex][group], product, count, size, width);
    for (let b = 0; b < count; b++) addConstantTerms(layer.constants, product, b * width, oStart, width, label(b), row, col);
    if (!target) return;
    // A residual layer adds relu(conv(h)) to h channel by channel; the others replace h.
    const residual = layer.role === 'residual';
    for (let b = 0; b < count; b++) {
      const outBase = ((b * H + row) * W + col) * cout + oStart;
      for (let o = 0; o < width; o++) {
        const value = product[b * width + o];
        const activated = value > 0 ? value : 0;
        target[outBase + o] = residual ? source[outBase + o] + activated : activated;
      }
    }
  }

  for (let index = 0; index < perImage; index++) {
    const { row, col, channel } = subPixelAt(index, W, C);
    const known = index < start;
    if (!known && options.shouldStop?.()) return { pixels: images, completed: index };

    let source = input;
    for (let l = 0; l < hidden.length; l++) {
      computeGroup(l, source, activations[l], row, col, channel);
      source = activations[l];
    }
    if (!known) {
      computeGroup(layers.length - 1, source, null, row, col, channel);
      logits.set(product.subarray(0, count * levels));
    }

    if (!known) run.draw(index, logits);
    for (let b = 0; b < count; b++) {
      const at = b * perImage + index;
      writeInputLevel(input, at, channel, pixels[at], levels, embedding, E);
    }
    if (!known) await options.onSubPixel?.(run.step(index));
  }
  return { pixels: images, completed: perImage };
}
