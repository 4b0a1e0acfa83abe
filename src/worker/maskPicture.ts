import { buildMask, type PixelCNN } from '../model';
import type { MaskPicture } from './protocol';
import type * as tf from '@tensorflow/tfjs';

/**
 * Reduces the model's real mask tensors to what the mask panel draws: which
 * spatial taps are open for some channel pair, and at the centre tap which
 * colour group reaches which. Reading the tensors the convolutions multiply
 * by (rather than redrawing the rule) means the picture cannot disagree with
 * the model.
 */
async function reduce(mask: tf.Tensor4D, colorChannels: number): Promise<{ spatial: number[]; centre: number[] }> {
  const [k, , inChannels, outChannels] = mask.shape;
  const values = await mask.data();
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
      centre.push(values[centreTap * inChannels * outChannels + i * outChannels + o] ? 1 : 0);
    }
  }
  return { spatial, centre };
}

export async function maskPicture(model: PixelCNN): Promise<MaskPicture> {
  const { kernelSize, colorChannels, hiddenChannels } = model.config;
  const first = model.layers[0];
  // With a single k×k layer there is no hidden mask B to read; build the one a second layer would use.
  const hiddenB = model.layers.find((layer, i) => i > 0 && layer.maskType === 'B' && layer.mask.shape[0] === kernelSize);
  const maskB = hiddenB?.mask ?? buildMask('B', { kernelSize, inChannels: hiddenChannels, outChannels: hiddenChannels, colorChannels });
  const a = await reduce(first.mask, colorChannels);
  const b = await reduce(maskB, colorChannels);
  if (!hiddenB) maskB.dispose();
  return { kernelSize, colorChannels, spatialA: a.spatial, spatialB: b.spatial, centreA: a.centre, centreB: b.centre };
}
