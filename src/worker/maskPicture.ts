import { type MaskRegion, type MaskType, type PixelCNN, maskValues } from '../model';
import type { MaskGrid, MaskPair, MaskPicture } from './protocol';

/**
 * Reduces the model's masks to what the mask panel draws: which spatial taps
 * are open for some channel pair, and at the centre tap which colour group
 * reaches which. Where the model has a layer of the mask's region, type and
 * size, its own mask tensor is read (the one its convolution multiplies by),
 * so the picture cannot disagree with the model; a mask it has no layer for
 * (a PixelCNN's mask B with a single layer, a Gated PixelCNN's causal masks
 * shown for comparison) is built by the same rule the layers are built with.
 */
function reduce(values: ArrayLike<number>, k: number, inChannels: number, outChannels: number, colorChannels: number): MaskGrid {
  const spatial: number[] = [];
  const pairs = inChannels * outChannels;
  for (let tap = 0; tap < k * k; tap++) {
    let open = 0;
    for (let j = 0; j < pairs; j++) open += values[tap * pairs + j];
    spatial.push(open === 0 ? 0 : open === pairs ? 1 : 2);
  }
  const centreTap = ((k - 1) / 2) * k + (k - 1) / 2;
  const centre: number[] = [];
  for (let gIn = 0; gIn < colorChannels; gIn++) {
    for (let gOut = 0; gOut < colorChannels; gOut++) {
      // The first channel of each group stands for the group: groups are contiguous and uniform.
      const i = (gIn * inChannels) / colorChannels;
      const o = (gOut * outChannels) / colorChannels;
      centre.push(values[centreTap * pairs + i * outChannels + o] ? 1 : 0);
    }
  }
  return { kernelSize: k, spatial, centre };
}

async function maskGrid(model: PixelCNN, region: MaskRegion, type: MaskType, kernelSize: number): Promise<MaskGrid> {
  const { colorChannels: C, hiddenChannels } = model.config;
  const layer = model.layers.find((l) => l.region === region && l.maskType === type && l.mask.shape[0] === kernelSize);
  if (layer) {
    const [k, , inChannels, outChannels] = layer.mask.shape;
    return reduce(await layer.mask.data(), k, inChannels, outChannels, C);
  }
  const options = { kernelSize, inChannels: hiddenChannels, outChannels: hiddenChannels, colorChannels: C, region };
  return reduce(maskValues(type, options), kernelSize, hiddenChannels, hiddenChannels, C);
}

async function maskPair(model: PixelCNN, region: MaskRegion): Promise<MaskPair> {
  const { firstKernelSize, kernelSize } = model.config;
  return { a: await maskGrid(model, region, 'A', firstKernelSize), b: await maskGrid(model, region, 'B', kernelSize) };
}

export async function maskPicture(model: PixelCNN): Promise<MaskPicture> {
  const { architecture, colorChannels } = model.config;
  const causal = await maskPair(model, 'causal');
  if (architecture !== 'gated') return { architecture, colorChannels, causal };
  return {
    architecture,
    colorChannels,
    causal,
    stacks: { vertical: await maskPair(model, 'vertical'), horizontal: await maskPair(model, 'horizontal') },
  };
}
