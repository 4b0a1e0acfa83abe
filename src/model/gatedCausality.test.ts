import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { classRows, noClassLabel, type PixelCNNConfig } from './config';
import { TINY_GATED } from './testConfigs';
import { type MaskRegion, type MaskType } from './masks';
import { buildMask } from './layers';
import type { GatedPixelCNN } from './gatedPixelCNN';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { findLeaks, measureDependencies, type DependencyMap } from './receptiveField';

/**
 * Causality by perturbation for the Gated PixelCNN, position and class
 * conditioning, and the proof that the gated stacks have no blind spot while
 * the PixelCNN has one. Each check is paired with a mutation it must catch.
 */

beforeAll(useCpuBackend);

const BASE: PixelCNNConfig = { ...TINY_GATED, height: 5, width: 5, levels: 4 };

/** The model's logits with every image labelled `label` (a conditional model needs one). */
function logitsWithLabel(model: PixelCNN, label = 1): (x: tf.Tensor4D) => tf.Tensor5D {
  return (x) => model.logits(x, model.config.classes > 0 ? tf.fill([x.shape[0]], label, 'int32') : undefined);
}

async function dependencies(model: PixelCNN, label = 1): Promise<DependencyMap> {
  const { height, width, colorChannels, levels } = model.config;
  return measureDependencies(logitsWithLabel(model, label), { height, width, channels: colorChannels, levels });
}

/** Earlier sub-pixels (in generation order) that `out` does not depend on. */
function unseenPast(map: DependencyMap, out: number): number[] {
  const unseen: number[] = [];
  for (let input = 0; input < out; input++) if (!map.dependsOn(out, input)) unseen.push(input);
  return unseen;
}

/** Every weight and table redrawn at a healthy size, then masked again (the masks stay as they are). */
function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.5, 'float32', seed + i)));
  });
  for (const layer of model.layers) tf.tidy(() => layer.weight.assign(layer.weight.mul(layer.mask)));
}

/** Like `randomise`, but every tap filled, so a mutated mask's newly open taps carry signal. */
function randomiseIgnoringMasks(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => {
    tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.5, 'float32', seed + i)));
  });
}

async function trainSomeSteps(model: PixelCNN, steps: number): Promise<void> {
  const { height, width, colorChannels, levels, classes } = model.config;
  const optimizer = tf.train.adam(0.01);
  for (let s = 0; s < steps; s++) {
    const batch = tf.tidy(() => tf.randomUniformInt([4, height, width, colorChannels], 0, levels, s + 1) as tf.Tensor4D);
    // Every row of the class tables, the "no class" row included, takes part.
    const rows = classRows(model.config);
    const labels = classes > 0 ? tf.tensor1d([0, 1, s % rows, (s + 1) % rows], 'int32') : undefined;
    model.trainStep(batch, optimizer, labels).dispose();
    batch.dispose();
    labels?.dispose();
  }
  optimizer.dispose();
}

const CASES: Array<[string, Partial<PixelCNNConfig>]> = [
  ['gray', {}],
  ['gray, position and 3 classes, an embedding and a head', { position: true, classes: 3, inputEmbedding: 2, headChannels: 8 }],
  ['RGB', { colorChannels: 3, hiddenChannels: 6, height: 4, width: 4, firstKernelSize: 3 }],
  [
    'RGB, position and 2 classes, an embedding and a head',
    { colorChannels: 3, hiddenChannels: 6, height: 4, width: 4, firstKernelSize: 3, position: true, classes: 2, inputEmbedding: 2, headChannels: 12 },
  ],
  ['gray, 3 classes and a "no class" row', { position: true, classes: 3, labelDropout: 0.2, inputEmbedding: 2 }],
  [
    'RGB, 2 classes and a "no class" row',
    { colorChannels: 3, hiddenChannels: 6, height: 4, width: 4, firstKernelSize: 3, position: true, classes: 2, labelDropout: 0.2 },
  ],
];

/** The labels a model's causality is checked under: two classes, and "no class" where the model has that row. */
function labelsToCheck(config: PixelCNNConfig): number[] {
  if (config.classes === 0) return [0];
  const noClass = noClassLabel(config);
  return noClass === null ? [0, 1] : [0, 1, noClass];
}

describe('the Gated PixelCNN is autoregressive, and sees everything before each sub-pixel', () => {
  for (const [name, change] of CASES) {
    it(`${name}: no leak and no blind spot, at init and after training`, async () => {
      const model = createPixelCNN({ ...BASE, ...change }, 3);
      randomise(model, 11);
      for (const stage of ['init', 'trained']) {
        if (stage === 'trained') await trainSomeSteps(model, 4);
        for (const label of labelsToCheck(model.config)) {
          const map = await dependencies(model, label);
          expect(findLeaks(map), `${stage}, label ${label}`).toEqual([]);
          for (let out = 1; out < map.size; out++) {
            // The receptive field covers the whole image here (4 rows and columns each way), so every
            // earlier sub-pixel must be seen: the up-right triangle included. After training, the few ReLUs
            // of a tiny head can die for every input and hide all dependence (they do here), so then only a
            // headless model must still see some of its past.
            const unseen = unseenPast(map, out);
            if (stage === 'init') expect(unseen, `sub-pixel ${out}`).toEqual([]);
            else if (model.config.headChannels === 0) expect(unseen.length, `trained: sub-pixel ${out}`).toBeLessThan(out);
          }
        }
      }
      model.dispose();
    });
  }
});

describe('the plain PixelCNN with a "no class" row', () => {
  for (const colorChannels of [1, 3] as const) {
    it(`${colorChannels === 1 ? 'gray' : 'RGB'}: no leak under any label, "no class" included, at init and after training`, async () => {
      const config: PixelCNNConfig = {
        ...BASE,
        architecture: 'pixelcnn',
        layers: 2,
        colorChannels,
        hiddenChannels: 6,
        headChannels: 6,
        classes: 2,
        labelDropout: 0.2,
      };
      const model = createPixelCNN(config, 4);
      randomise(model, 12);
      for (const stage of ['init', 'trained']) {
        if (stage === 'trained') await trainSomeSteps(model, 4);
        for (const label of labelsToCheck(config)) expect(findLeaks(await dependencies(model, label)), `${stage}, label ${label}`).toEqual([]);
      }
      model.dispose();
    });
  }
});

describe('the PixelCNN has the blind spot the gated stacks remove', () => {
  it('with the same reach, some earlier pixels up and to the right never influence a prediction', async () => {
    // Three 5×5 layers reach 6 rows up and 6 columns either way: far past this 5×5 image.
    const model = createPixelCNN({ ...BASE, architecture: 'pixelcnn', kernelSize: 5 }, 3);
    randomise(model, 11);
    const map = await dependencies(model);
    expect(findLeaks(map)).toEqual([]);
    const width = BASE.width;
    const out = 2 * width + 1; // pixel (2, 1)
    const unseen = unseenPast(map, out).map((i) => [Math.floor(i / width), i % width]);
    expect(unseen.length).toBeGreaterThan(0);
    // All of them lie in rows above and to the right of the column.
    for (const [row, col] of unseen) expect(row < 2 && col > 1, `(${row}, ${col})`).toBe(true);
    model.dispose();
  });
});

describe('the no-blind-spot check can fail', () => {
  it('cut the links from the vertical stack, and the rows above go unseen', async () => {
    const model = createPixelCNN(BASE, 3) as GatedPixelCNN;
    randomise(model, 11);
    for (const { link } of model.gatedLayers) tf.tidy(() => link.assign(tf.zerosLike(link)));
    const map = await dependencies(model);
    const width = BASE.width;
    const unseen = unseenPast(map, 2 * width + 1).map((i) => [Math.floor(i / width), i % width]);
    expect(unseen.length).toBeGreaterThan(0);
    expect(unseen.some(([row, col]) => row < 2 && col > 1)).toBe(true); // the up-right triangle among them
    model.dispose();
  });
});

describe('the gated causality test catches the leaks it is for', () => {
  async function leaksAfter(config: PixelCNNConfig, mutate: (model: PixelCNN) => void): Promise<number> {
    const model = createPixelCNN(config, 1);
    mutate(model);
    randomiseIgnoringMasks(model, 4);
    const leaks = findLeaks(await dependencies(model)).length;
    model.dispose();
    return leaks;
  }

  const swapMask = (model: PixelCNN, name: string, type: MaskType, region: MaskRegion, colorChannels = model.config.colorChannels) => {
    const layer = model.layers.find((l) => l.name.endsWith(`/${name}`))!;
    const [k, , inChannels, outChannels] = layer.mask.shape;
    layer.mask.dispose();
    layer.mask = buildMask(type, { kernelSize: k, inChannels, outChannels, colorChannels, region });
  };

  const gray = BASE;
  const rgb: PixelCNNConfig = { ...BASE, colorChannels: 3, hiddenChannels: 6, height: 3, width: 3, firstKernelSize: 3, layers: 2 };

  it('the correct masks have no leak even with every weight filled in', async () => {
    expect(await leaksAfter(gray, () => undefined)).toBe(0);
    expect(await leaksAfter(rgb, () => undefined)).toBe(0);
  });

  it('a vertical stack that is not shifted (its first layer sees the current row) leaks', async () => {
    expect(await leaksAfter(gray, (m) => swapMask(m, 'v0', 'B', 'vertical'))).toBeGreaterThan(0);
    expect(await leaksAfter(rgb, (m) => swapMask(m, 'v0', 'B', 'vertical'))).toBeGreaterThan(0);
  });

  it("mask B on the horizontal stack's first layer leaks a sub-pixel into itself", async () => {
    expect(await leaksAfter(gray, (m) => swapMask(m, 'h0', 'B', 'horizontal'))).toBeGreaterThan(0);
    expect(await leaksAfter(rgb, (m) => swapMask(m, 'h0', 'B', 'horizontal'))).toBeGreaterThan(0);
  });

  it('a horizontal stack without colour groups, or a residual without them, leaks G and B into R', async () => {
    expect(await leaksAfter(rgb, (m) => swapMask(m, 'h1', 'B', 'horizontal', 1))).toBeGreaterThan(0);
    expect(await leaksAfter(rgb, (m) => swapMask(m, 'res1', 'B', 'causal', 1))).toBeGreaterThan(0);
  });

  it('a horizontal stack that looks up (the causal region) is still causal, but a vertical one that looks right of the centre in the current row leaks', async () => {
    expect(await leaksAfter(gray, (m) => swapMask(m, 'h1', 'B', 'causal'))).toBe(0);
    expect(await leaksAfter(gray, (m) => swapMask(m, 'v1', 'B', 'vertical'))).toBe(0);
    // Open the vertical first layer's centre row right of the centre: the current row's future.
    expect(
      await leaksAfter(gray, (m) => {
        const layer = m.layers.find((l) => l.name.endsWith('/v0'))!;
        const opened = tf.tidy(() => {
          const buffer = layer.mask.bufferSync();
          const [k, , cin, cout] = layer.mask.shape;
          const c = (k - 1) / 2;
          for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) buffer.set(1, c, c + 1, i, o);
          return buffer.toTensor() as tf.Tensor4D;
        });
        layer.mask.dispose();
        layer.mask = opened;
      }),
    ).toBeGreaterThan(0);
  });
});

describe('position', () => {
  /** Logits at `row` of an image of `height` rows with a bar of level 3 at rows `top`, `top + 1`. */
  async function logitsBelowBar(model: PixelCNN, top: number, row: number): Promise<Float32Array> {
    const { height, width, levels } = model.config;
    const values = new Int32Array(height * width);
    for (let r = top; r < top + 2; r++) for (let c = 0; c < width; c++) values[r * width + c] = levels - 1;
    const out = tf.tidy(() => {
      const image = tf.tensor4d(values, [1, height, width, 1], 'int32');
      return logitsWithLabel(model)(image).slice([0, row, 0, 0, 0], [1, 1, width, 1, levels]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  for (const architecture of ['pixelcnn', 'gated'] as const) {
    it(`${architecture}: the same content shifted up gives other predictions below it only with position`, async () => {
      // Reach: 1 + 1 rows up (two 3×3 layers), in a 12-row image; the bar and the row below are far from the top.
      const config: PixelCNNConfig = { ...BASE, architecture, height: 12, width: 4, layers: 2, firstKernelSize: 3, kernelSize: 3 };
      for (const position of [false, true]) {
        const model = createPixelCNN({ ...config, position }, 5);
        randomise(model, 3);
        // The bar at rows 6–7 and the bar at rows 3–4: the row just below each sees the same content.
        const diff = maxDiff(await logitsBelowBar(model, 6, 8), await logitsBelowBar(model, 3, 5));
        if (position) expect(diff).toBeGreaterThan(1e-3);
        else expect(diff).toBeLessThan(1e-5);
        model.dispose();
      }
    });
  }
});

describe('class conditioning', () => {
  for (const architecture of ['pixelcnn', 'gated'] as const) {
    it(`${architecture}: changing only the label changes the logits at every sub-pixel`, async () => {
      const model = createPixelCNN({ ...BASE, architecture, classes: 3, colorChannels: 3, hiddenChannels: 6, height: 4, width: 4, firstKernelSize: 3 }, 2);
      await trainSomeSteps(model, 2);
      const image = tf.randomUniformInt([1, 4, 4, 3], 0, 4, 9) as tf.Tensor4D;
      const [a, b] = [0, 2].map((label) => model.logits(image, tf.tensor1d([label], 'int32')));
      const perSubPixel = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)), -1));
      const smallest = (await tf.min(perSubPixel).data())[0];
      expect(smallest).toBeGreaterThan(1e-4);
      expect(() => model.logits(image)).toThrow(/needs a label for each image/);
      tf.dispose([image, a, b, perSubPixel]);
      model.dispose();
    });
  }
});

describe('masking lives inside the differentiated computation (gated)', () => {
  it('masked weights of both stacks stay exactly zero through optimizer steps', async () => {
    const model = createPixelCNN({ ...BASE, colorChannels: 3, hiddenChannels: 6, height: 4, width: 4, classes: 2, position: true }, 2);
    await trainSomeSteps(model, 3);
    for (const layer of model.layers) {
      const [weight, mask] = await Promise.all([layer.weight.data(), layer.mask.data()]);
      let leakedTaps = 0;
      for (let i = 0; i < weight.length; i++) if (mask[i] === 0 && weight[i] !== 0) leakedTaps++;
      expect(leakedTaps, layer.name).toBe(0);
    }
    model.dispose();
  });
});
