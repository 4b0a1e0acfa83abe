import type { LayerPlan } from '../../gatedNetwork';
import { maskValues, openTaps } from '../../masks';

/**
 * A model's trainable values as one block of floats, in the model's variable
 * order: what Adam runs over in one call, and what the gradients, and Adam's
 * two moments, mirror value for value.
 *
 * A masked convolution's weight [k, k, Cin, Cout] is kept packed: only its
 * open taps, as the matrix [taps·Cin, Cout] that multiplies a row of gathered
 * inputs. A closed tap's weights are zero in the model and get no gradient, so
 * leaving them out changes nothing. At a grouped centre tap (colour groups),
 * part of the packed matrix is still closed: `mask` holds the packed mask,
 * and values and gradients are multiplied by it so those stay exactly 0.
 */

/** What a masked convolution's packed weight is. */
export interface PackedConvolution {
  kernelSize: number;
  inChannels: number;
  outChannels: number;
  /** The open kernel taps (row, col), in raster order: the packed matrix holds their rows of the weight, in this order. */
  taps: Array<[number, number]>;
  /** The mask over the packed matrix, when some of it is closed (a grouped centre tap); null when all of it is open. */
  mask: Float32Array | null;
}

/** One variable of the model. */
export interface Parameter {
  /** Its name in a model file ("v0/weight"). */
  name: string;
  /** Its full tfjs shape. */
  shape: number[];
  /** Where its (packed) values start in the block, in floats; a multiple of 4. */
  offset: number;
  /** How many floats it takes in the block. */
  length: number;
  convolution: PackedConvolution | null;
}

/** How a variable is declared to the block: a name and shape, and the layer's plan for a masked convolution's weight. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  layer?: LayerPlan;
}

/** A mask-breaking test (causality's mutation test) may replace how the open taps are found; the default is masks.ts's. */
export type TapRule = (layer: LayerPlan) => { taps: Array<[number, number]>; mask: Float32Array };

export const standardTaps: TapRule = (layer) => ({
  taps: openTaps(layer.maskType, layer.kernelSize, layer.colorChannels, layer.region),
  mask: maskValues(layer.maskType, {
    kernelSize: layer.kernelSize,
    inChannels: layer.inChannels,
    outChannels: layer.outChannels,
    colorChannels: layer.colorChannels,
    region: layer.region,
  }),
});

function packedConvolution(layer: LayerPlan, rule: TapRule): PackedConvolution {
  const { kernelSize: k, inChannels, outChannels } = layer;
  const { taps, mask: full } = rule(layer);
  const slice = inChannels * outChannels;
  const mask = new Float32Array(taps.length * slice);
  taps.forEach(([row, col], t) => mask.set(full.subarray((row * k + col) * slice, (row * k + col + 1) * slice), t * slice));
  return { kernelSize: k, inChannels, outChannels, taps, mask: mask.every((value) => value === 1) ? null : mask };
}

export class ParameterBlock {
  readonly parameters: Parameter[];
  /** Floats in the block, a multiple of 4. */
  readonly length: number;

  constructor(specs: ParameterSpec[], rule: TapRule = standardTaps) {
    let offset = 0;
    this.parameters = specs.map(({ name, shape, layer }) => {
      const convolution = layer ? packedConvolution(layer, rule) : null;
      const length = convolution ? convolution.taps.length * convolution.inChannels * convolution.outChannels : shape.reduce((a, b) => a * b, 1);
      const parameter = { name, shape, offset, length, convolution };
      offset += Math.ceil(length / 4) * 4;
      return parameter;
    });
    this.length = offset;
  }

  /** Writes a variable's full values into `block` (the block's floats), packed and masked. */
  pack(index: number, full: Float32Array, block: Float32Array): void {
    const { shape, offset, length, convolution } = this.parameters[index];
    const size = shape.reduce((a, b) => a * b, 1);
    if (full.length !== size) throw new RangeError(`${this.parameters[index].name}: ${full.length} values, expected ${size}`);
    if (!convolution) {
      block.set(full, offset);
      return;
    }
    const { kernelSize: k, inChannels, outChannels, taps, mask } = convolution;
    const slice = inChannels * outChannels;
    taps.forEach(([row, col], t) => block.set(full.subarray((row * k + col) * slice, (row * k + col + 1) * slice), offset + t * slice));
    if (mask) for (let i = 0; i < length; i++) if (mask[i] === 0) block[offset + i] = 0;
  }

  /** A variable's full values (zeros at closed taps) from `block`. */
  unpack(index: number, block: Float32Array): Float32Array {
    const { shape, offset, length, convolution } = this.parameters[index];
    const full = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (!convolution) {
      full.set(block.subarray(offset, offset + length));
      return full;
    }
    const { kernelSize: k, inChannels, outChannels, taps } = convolution;
    const slice = inChannels * outChannels;
    taps.forEach(([row, col], t) => full.set(block.subarray(offset + t * slice, offset + (t + 1) * slice), (row * k + col) * slice));
    return full;
  }
}
