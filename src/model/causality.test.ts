import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { buildMask } from './layers';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { findLeaks, measureDependencies, type DependencyMap } from './receptiveField';

beforeAll(useCpuBackend);

async function dependencies(model: PixelCNN): Promise<DependencyMap> {
  const { height, width, colorChannels, levels } = model.config;
  return measureDependencies((x) => model.logits(x), { height, width, channels: colorChannels, levels });
}

/** Every sub-pixel but the very first must depend on something earlier, or the test could pass vacuously. */
function subPixelsWithoutPast(map: DependencyMap): number[] {
  const orphans: number[] = [];
  for (let out = 1; out < map.size; out++) {
    let any = false;
    for (let input = 0; input < out && !any; input++) any = map.dependsOn(out, input);
    if (!any) orphans.push(out);
  }
  return orphans;
}

/** Re-draws a layer's weights with every tap filled, so a mutated mask's newly open taps carry signal. */
function randomiseWeights(model: PixelCNN, seed: number): void {
  model.layers.forEach((layer, i) => {
    tf.tidy(() => layer.weight.assign(tf.randomNormal(layer.weight.shape, 0, 0.5, 'float32', seed + i)));
    tf.tidy(() => layer.bias.assign(tf.randomNormal(layer.bias.shape, 0, 0.1, 'float32', seed + 100 + i)));
  });
}

async function trainSomeSteps(model: PixelCNN, steps: number): Promise<void> {
  const { height, width, colorChannels, levels } = model.config;
  const optimizer = tf.train.adam(0.05);
  for (let s = 0; s < steps; s++) {
    const batch = tf.tidy(() => tf.randomUniformInt([4, height, width, colorChannels], 0, levels, s + 1) as tf.Tensor4D);
    model.trainStep(batch, optimizer).dispose();
    batch.dispose();
  }
  optimizer.dispose();
}

// A table, one case a line, so prettier leaves it be.
// prettier-ignore
const CASES: Array<[string, PixelCNNConfig]> = [
  ['gray, 3×3 kernel, 2 layers', { height: 5, width: 5, colorChannels: 1, levels: 4, hiddenChannels: 4, layers: 2, kernelSize: 3, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['gray, 5×5 kernel, 4 layers, 5-channel head', { height: 6, width: 5, colorChannels: 1, levels: 3, hiddenChannels: 4, layers: 4, kernelSize: 5, headChannels: 5, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 3×3 kernel, 3 layers, 9-channel head', { height: 4, width: 4, colorChannels: 3, levels: 4, hiddenChannels: 6, layers: 3, kernelSize: 3, headChannels: 9, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 5×5 kernel, 1 layer', { height: 4, width: 5, colorChannels: 3, levels: 5, hiddenChannels: 6, layers: 1, kernelSize: 5, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 7×7 kernel, 2 layers', { height: 4, width: 4, colorChannels: 3, levels: 3, hiddenChannels: 9, layers: 2, kernelSize: 7, headChannels: 0, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 7, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 7×7 kernel, 2 layers, 12-channel head', { height: 4, width: 4, colorChannels: 3, levels: 3, hiddenChannels: 9, layers: 2, kernelSize: 7, headChannels: 12, inputEmbedding: 0, architecture: 'pixelcnn', firstKernelSize: 7, position: false, classes: 0, labelDropout: 0 }],
  ['gray, 5×5 kernel, 3 layers, 3-channel level embedding', { height: 5, width: 5, colorChannels: 1, levels: 4, hiddenChannels: 4, layers: 3, kernelSize: 5, headChannels: 4, inputEmbedding: 3, architecture: 'pixelcnn', firstKernelSize: 5, position: false, classes: 0, labelDropout: 0 }],
  ['RGB, 3×3 kernel, 3 layers, 2-channel level embedding', { height: 4, width: 4, colorChannels: 3, levels: 4, hiddenChannels: 6, layers: 3, kernelSize: 3, headChannels: 9, inputEmbedding: 2, architecture: 'pixelcnn', firstKernelSize: 3, position: false, classes: 0, labelDropout: 0 }],
];

describe('the whole network is autoregressive', () => {
  for (const [name, config] of CASES) {
    it(`${name}: no sub-pixel's logits see it or anything after it, at init and after training`, async () => {
      const model = createPixelCNN(config, 3);
      randomiseWeightsRespectingMasks(model, 11);
      let map = await dependencies(model);
      expect(findLeaks(map)).toEqual([]);
      expect(subPixelsWithoutPast(map)).toEqual([]);

      await trainSomeSteps(model, 5);
      map = await dependencies(model);
      expect(findLeaks(map)).toEqual([]);
      expect(subPixelsWithoutPast(map)).toEqual([]);
      model.dispose();
    });
  }

  it('a colour sub-pixel sees the earlier channels of its own pixel', async () => {
    const model = createPixelCNN(
      {
        height: 3,
        width: 3,
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
      },
      5,
    );
    randomiseWeightsRespectingMasks(model, 2);
    const map = await dependencies(model);
    const pixel = 4 * 3; // centre pixel (1, 1)
    expect(map.dependsOn(pixel + 1, pixel)).toBe(true); // G sees R
    expect(map.dependsOn(pixel + 2, pixel)).toBe(true); // B sees R
    expect(map.dependsOn(pixel + 2, pixel + 1)).toBe(true); // B sees G
    model.dispose();
  });
});

/** Random weights of healthy size on the open taps only (the default init leaves biases at 0). */
function randomiseWeightsRespectingMasks(model: PixelCNN, seed: number): void {
  randomiseWeights(model, seed);
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

describe('the causality test catches the classic leaks', () => {
  const rgb: PixelCNNConfig = {
    height: 3,
    width: 3,
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
  };

  async function leaksAfter(mutate: (model: PixelCNN) => void, config = rgb): Promise<number> {
    const model = createPixelCNN(config, 1);
    mutate(model);
    randomiseWeights(model, 4);
    const leaks = findLeaks(await dependencies(model)).length;
    model.dispose();
    return leaks;
  }

  const swapMask = (model: PixelCNN, layerIndex: number, mask: tf.Tensor4D) => {
    model.layers[layerIndex].mask.dispose();
    model.layers[layerIndex].mask = mask;
  };

  it('the correct masks have no leak even with every weight filled in', async () => {
    expect(await leaksAfter(() => undefined)).toBe(0);
  });

  it('mask B on the first layer leaks a sub-pixel into itself', async () => {
    const leaks = await leaksAfter((m) => swapMask(m, 0, buildMask('B', { kernelSize: 3, inChannels: 3, outChannels: 6, colorChannels: 3 })));
    expect(leaks).toBeGreaterThan(0);
    const gray = { ...rgb, colorChannels: 1 as const, hiddenChannels: 4 };
    expect(await leaksAfter((m) => swapMask(m, 0, buildMask('B', { kernelSize: 3, inChannels: 1, outChannels: 4, colorChannels: 1 })), gray)).toBeGreaterThan(
      0,
    );
    // Through a level embedding too: the first layer's input is then C·E features.
    const embedded = { ...rgb, inputEmbedding: 2 };
    expect(await leaksAfter(() => undefined, embedded)).toBe(0);
    expect(
      await leaksAfter((m) => swapMask(m, 0, buildMask('B', { kernelSize: 3, inChannels: 6, outChannels: 6, colorChannels: 3 })), embedded),
    ).toBeGreaterThan(0);
  });

  it('an unmasked 1×1 output layer leaks G and B into R', async () => {
    const out = rgb.layers;
    expect(await leaksAfter((m) => swapMask(m, out, tf.ones([1, 1, 6, 12]) as tf.Tensor4D))).toBeGreaterThan(0);
  });

  it('a 1×1 head without colour groups leaks', async () => {
    const withHead = { ...rgb, headChannels: 9 };
    const head = withHead.layers; // conv0, conv1, then the head
    expect(await leaksAfter(() => undefined, withHead)).toBe(0);
    const ungrouped = buildMask('B', { kernelSize: 1, inChannels: 6, outChannels: 9, colorChannels: 1 });
    expect(await leaksAfter((m) => swapMask(m, head, ungrouped), withHead)).toBeGreaterThan(0);
  });

  it('a hidden mask B without colour groups leaks', async () => {
    const ungrouped = buildMask('B', { kernelSize: 3, inChannels: 6, outChannels: 6, colorChannels: 1 });
    expect(await leaksAfter((m) => swapMask(m, 1, ungrouped))).toBeGreaterThan(0);
  });

  it('a mask that opens a tap right of the centre leaks', async () => {
    const values = buildMask('B', { kernelSize: 3, inChannels: 6, outChannels: 6, colorChannels: 3 });
    const opened = tf.tidy(() => {
      const buffer = values.bufferSync();
      for (let i = 0; i < 6; i++) for (let o = 0; o < 6; o++) buffer.set(1, 1, 2, i, o);
      return buffer.toTensor() as tf.Tensor4D;
    });
    values.dispose();
    expect(await leaksAfter((m) => swapMask(m, 1, opened))).toBeGreaterThan(0);
  });
});

describe('masking lives inside the differentiated computation', () => {
  it('masked weights stay exactly zero through optimizer steps', async () => {
    const model = createPixelCNN(
      {
        height: 4,
        width: 4,
        colorChannels: 3,
        levels: 4,
        hiddenChannels: 6,
        layers: 3,
        kernelSize: 3,
        headChannels: 0,
        inputEmbedding: 0,
        architecture: 'pixelcnn',
        firstKernelSize: 3,
        position: false,
        classes: 0,
        labelDropout: 0,
      },
      2,
    );
    await trainSomeSteps(model, 4);
    for (const layer of model.layers) {
      const [weight, mask] = await Promise.all([layer.weight.data(), layer.mask.data()]);
      let leakedTaps = 0;
      let openNonZero = 0;
      for (let i = 0; i < weight.length; i++) {
        if (mask[i] === 0 && weight[i] !== 0) leakedTaps++;
        if (mask[i] === 1 && weight[i] !== 0) openNonZero++;
      }
      expect(leakedTaps, layer.name).toBe(0);
      expect(openNonZero, layer.name).toBeGreaterThan(0);
    }
    model.dispose();
  });
});
