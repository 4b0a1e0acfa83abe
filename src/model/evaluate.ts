import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from './network';

/**
 * Mean bits per sub-pixel of `model` over `count` images of levels, packed
 * back to back ([count, H, W, C] in `images`), evaluated `batchSize` images
 * at a time so memory stays bounded however many images there are. Every
 * image weighs the same, whatever batch it falls in. A conditional model
 * needs `labels`, one per image.
 */
export async function evaluateBitsPerDim(model: PixelCNN, images: Uint8Array, count: number, batchSize = 16, labels?: ArrayLike<number>): Promise<number> {
  const { height, width, colorChannels } = model.config;
  const perImage = height * width * colorChannels;
  if (!(count >= 1) || images.length < count * perImage) {
    throw new RangeError(`Need ${count} images of ${height}×${width}×${colorChannels} levels, got ${images.length} values.`);
  }
  let total = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const bits = tf.tidy(() => {
      const values = Int32Array.from(images.subarray(start * perImage, (start + n) * perImage));
      const batch = tf.tensor4d(values, [n, height, width, colorChannels], 'int32');
      const batchLabels = labels
        ? tf.tensor1d(
            Int32Array.from({ length: n }, (_, i) => labels[start + i]),
            'int32',
          )
        : undefined;
      return model.bitsPerDim(batch, batchLabels).mul(n);
    });
    total += (await bits.data())[0];
    bits.dispose();
  }
  return total / count;
}
