import * as tf from '@tensorflow/tfjs';
import type { PixelCNN } from './network';
import { type SampleOptions, type SampleResult, samplingRun, subPixelAt } from './sampling';

export * from './sampling';

/**
 * The reference sampler: one full forward pass of the network per sub-pixel.
 * Simple and obviously correct, and H·W·C times more work than needed; the
 * incremental sampler is checked against it.
 */
export async function sampleFullRecompute(model: PixelCNN, options: SampleOptions): Promise<SampleResult> {
  const { height, width, colorChannels, levels } = model.config;
  const run = samplingRun(model, options);
  const { pixels, images, perImage, start, labels, batch } = run;

  for (let index = start; index < perImage; index++) {
    if (options.shouldStop?.()) return { pixels: images, completed: index };
    const { row, col, channel } = subPixelAt(index, width, colorChannels);

    const stepLogits = tf.tidy(() => {
      const all = tf.tensor4d(pixels, [batch, height, width, colorChannels], 'int32');
      return model.logits(all, labels ? tf.tensor1d(labels, 'int32') : undefined).slice([0, row, col, channel, 0], [batch, 1, 1, 1, levels]);
    });
    const logits = (await stepLogits.data()) as Float32Array;
    stepLogits.dispose();

    run.draw(index, logits);
    await options.onSubPixel?.(run.step(index));
  }
  return { pixels: images, completed: perImage };
}
