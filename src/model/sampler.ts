import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from './pixelcnn';
import { sampleCategorical } from './random';
import { type SampleOptions, type SampleResult, startSampling, subPixelAt } from './sampling';

export * from './sampling';

/**
 * The reference sampler: one full forward pass of the network per sub-pixel.
 * Simple and obviously correct, and H·W·C times more work than needed; the
 * incremental sampler is checked against it.
 */
export async function sampleFullRecompute(model: PixelCNN, options: SampleOptions): Promise<SampleResult> {
  const { height, width, colorChannels, levels } = model.config;
  const { pixels, perImage, start, labels, random } = startSampling(model, options);
  const values = new Int32Array(options.count);

  for (let index = start; index < perImage; index++) {
    if (options.shouldStop?.()) return { pixels, completed: index };
    const { row, col, channel } = subPixelAt(index, width, colorChannels);

    const stepLogits = tf.tidy(() => {
      const images = tf.tensor4d(pixels, [options.count, height, width, colorChannels], 'int32');
      return model.logits(images, labels ? tf.tensor1d(labels, 'int32') : undefined).slice([0, row, col, channel, 0], [options.count, 1, 1, 1, levels]);
    });
    const logits = (await stepLogits.data()) as Float32Array;
    stepLogits.dispose();

    for (let b = 0; b < options.count; b++) {
      values[b] = sampleCategorical(logits, b * levels, levels, options.temperature, random());
      pixels[b * perImage + index] = values[b];
    }
    await options.onSubPixel?.({ row, col, channel, index, values, pixels, logits });
  }
  return { pixels, completed: perImage };
}
