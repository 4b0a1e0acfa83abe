import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { createPixelCNN } from './pixelcnn';

beforeAll(useCpuBackend);

describe('bits per dimension', () => {
  it('uniform logits give exactly log2(levels) bits/dim', async () => {
    for (const levels of [2, 5, 256]) {
      const model = createPixelCNN({
        height: 3,
        width: 4,
        colorChannels: 3,
        levels,
        hiddenChannels: 3,
        layers: 2,
        kernelSize: 3,
        headChannels: 0,
        inputEmbedding: 0,
        architecture: 'pixelcnn',
        firstKernelSize: 3,
        position: false,
        classes: 0,
        labelDropout: 0,
      });
      for (const v of model.variables) tf.tidy(() => v.assign(tf.zerosLike(v)));
      const images = tf.randomUniformInt([2, 3, 4, 3], 0, levels, 1) as tf.Tensor4D;
      const bits = model.bitsPerDim(images);
      expect((await bits.data())[0]).toBeCloseTo(Math.log2(levels), 5);
      tf.dispose([images, bits]);
      model.dispose();
    }
  });

  it('training on a tiny synthetic set clearly lowers bits/dim within a few dozen steps', async () => {
    // Every image is a vertical ramp with a random offset: easy to predict from the pixel above.
    const levels = 8;
    const data = tf.tidy(() => {
      const offsets = tf.randomUniformInt([16, 1, 1, 1], 0, levels, 3);
      const ramp = tf.range(0, 6, 1, 'int32').reshape([1, 6, 1, 1]).tile([1, 1, 6, 1]);
      return tf.mod(ramp.add(offsets), levels) as tf.Tensor4D;
    });
    const model = createPixelCNN(
      {
        height: 6,
        width: 6,
        colorChannels: 1,
        levels,
        hiddenChannels: 8,
        layers: 2,
        kernelSize: 3,
        headChannels: 0,
        inputEmbedding: 0,
        architecture: 'pixelcnn',
        firstKernelSize: 3,
        position: false,
        classes: 0,
        labelDropout: 0,
      },
      1,
    );
    const optimizer = tf.train.adam(0.02);
    const before = (await model.bitsPerDim(data).data())[0];
    for (let step = 0; step < 40; step++) model.trainStep(data, optimizer).dispose();
    const afterLoss = model.bitsPerDim(data);
    const after = (await afterLoss.data())[0];
    expect(before).toBeGreaterThan(2.5);
    expect(after).toBeLessThan(before * 0.5);
    tf.dispose([data, afterLoss]);
    optimizer.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat across training steps', async () => {
    const model = createPixelCNN({
      height: 4,
      width: 4,
      colorChannels: 3,
      levels: 4,
      hiddenChannels: 6,
      layers: 2,
      kernelSize: 3,
      headChannels: 0,
      inputEmbedding: 0,
      architecture: 'pixelcnn',
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
    const optimizer = tf.train.adam(0.01);
    const images = tf.randomUniformInt([2, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    model.trainStep(images, optimizer).dispose(); // the optimizer allocates its slots on the first step
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) model.trainStep(images, optimizer).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    optimizer.dispose();
    model.dispose();
  });

  it('gives every variable a gradient, the level embedding included', async () => {
    const model = createPixelCNN({
      height: 4,
      width: 4,
      colorChannels: 3,
      levels: 4,
      hiddenChannels: 6,
      layers: 2,
      kernelSize: 3,
      headChannels: 6,
      inputEmbedding: 2,
      architecture: 'pixelcnn',
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
    const images = tf.randomUniformInt([2, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => model.bitsPerDim(images), model.variables);
    // A variable the loss does not reach gets no entry at all, and an optimizer skips it without a word.
    expect(Object.keys(grads).sort()).toEqual(model.variables.map((v) => v.name).sort());
    const embeddingGradient = await tf.abs(grads[model.embedding!.name]).sum().data();
    expect(embeddingGradient[0]).toBeGreaterThan(0);
    tf.dispose([value, images, ...Object.values(grads)]);
    model.dispose();
  });

  it('counts only the weights the masks leave open', () => {
    const model = createPixelCNN({
      height: 4,
      width: 4,
      colorChannels: 1,
      levels: 4,
      hiddenChannels: 2,
      layers: 2,
      kernelSize: 3,
      headChannels: 0,
      inputEmbedding: 0,
      architecture: 'pixelcnn',
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
    // conv0: 4 open taps ·1·2 + 2 biases; conv1: 5 taps ·2·2 + 2; out 1×1: 2·4 + 4.
    expect(model.parameterCount()).toBe(4 * 2 + 2 + 5 * 4 + 2 + 8 + 4);
    model.dispose();
    // A level embedding adds its table, levels × width per colour, and widens the first layer's input.
    const embedded = createPixelCNN({
      height: 4,
      width: 4,
      colorChannels: 1,
      levels: 4,
      hiddenChannels: 2,
      layers: 2,
      kernelSize: 3,
      headChannels: 0,
      inputEmbedding: 3,
      architecture: 'pixelcnn',
      firstKernelSize: 3,
      position: false,
      classes: 0,
      labelDropout: 0,
    });
    expect(embedded.parameterCount()).toBe(4 * 3 + 4 * 3 * 2 + 2 + 5 * 4 + 2 + 8 + 4);
    embedded.dispose();
  });
});
