import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { withClasses } from './classTables';
import type { PixelCNNConfig } from './config';
import { decodeFloat32, type SavedModel } from './modelFile';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import { findLeaks, measureDependencies } from './receptiveField';
import { sampleFullRecompute } from './referenceSampler';
import { modelFromSaved, parseSavedModel, saveModel } from './serialize';
import { TINY_GATED } from './testConfigs';

beforeAll(useCpuBackend);

const GATED: PixelCNNConfig = { ...TINY_GATED, height: 4, width: 4, levels: 4, headChannels: 4, position: true, classes: 3, labelDropout: 0.2 };
const PLAIN: PixelCNNConfig = { ...GATED, architecture: 'pixelcnn', layers: 2, kernelSize: 3, firstKernelSize: 3 };

/** A model file of `config` with every weight and table random, as a trained model's would be. */
async function trainedFile(config: PixelCNNConfig, seed: number): Promise<SavedModel> {
  const model = createPixelCNN(config, seed);
  model.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', seed + i))));
  try {
    return await saveModel(model, { steps: 7 });
  } finally {
    model.dispose();
  }
}

async function template(config: PixelCNNConfig): Promise<SavedModel> {
  const model = createPixelCNN(config, 1, { initial: 'zeros' });
  try {
    return await saveModel(model);
  } finally {
    model.dispose();
  }
}

function tensorOf(saved: SavedModel, name: string): { shape: number[]; values: Float32Array } {
  const tensor = saved.tensors.find((t) => t.name === name);
  if (!tensor) throw new Error(`no ${name}`);
  return { shape: tensor.shape, values: decodeFloat32(tensor.data, name) };
}

function row(saved: SavedModel, name: string, index: number): number[] {
  const { shape, values } = tensorOf(saved, name);
  return Array.from(values.subarray(index * shape[1], (index + 1) * shape[1]));
}

async function logitsOf(model: PixelCNN, images: tf.Tensor4D, label: number | null): Promise<Float32Array> {
  const labels = label === null ? undefined : tf.fill([images.shape[0]], label, 'int32');
  const logits = model.logits(images, labels as tf.Tensor1D | undefined);
  const values = (await logits.data()) as Float32Array;
  tf.dispose([logits, labels]);
  return values;
}

function someImages(config: PixelCNNConfig): tf.Tensor4D {
  return tf.randomUniformInt([2, config.height, config.width, config.colorChannels], 0, config.levels, 5) as tf.Tensor4D;
}

describe('withClasses carries a model to another class count', () => {
  for (const base of [GATED, PLAIN]) {
    it(`${base.architecture}: 3 classes to 5, rows by name, new rows from the "no class" row`, async () => {
      const old = await trainedFile(base, 11);
      const target = { ...base, classes: 5 };
      const { saved, carry } = withClasses(old, await template(target), { from: ['a', 'b', 'c'], to: ['c', 'x', 'a', 'y', 'z'] });
      expect(carry).toEqual({ kept: ['c', 'a'], started: 3, startedFrom: 'no-class row' });
      expect(saved.config).toEqual(target);
      const tables = saved.tensors.filter((t) => t.name.endsWith('/class'));
      expect(tables.length).toBeGreaterThan(0);
      for (const { name } of tables) {
        const { shape } = tensorOf(saved, name);
        const channels = tensorOf(old, name).shape[1];
        expect(shape).toEqual([6, channels]);
        const noClass = row(old, name, 3);
        expect(row(saved, name, 0)).toEqual(row(old, name, 2)); // c
        expect(row(saved, name, 2)).toEqual(row(old, name, 0)); // a
        for (const fresh of [1, 3, 4]) expect(row(saved, name, fresh)).toEqual(noClass);
        expect(row(saved, name, 5)).toEqual(noClass); // the "no class" row is kept
      }
      // Everything else carries over as it was.
      for (const tensor of saved.tensors.filter((t) => !t.name.endsWith('/class'))) {
        expect(tensor, tensor.name).toEqual(old.tensors.find((t) => t.name === tensor.name));
      }

      // The new file loads, saves, samples and stays causal for every label.
      const model = modelFromSaved(parseSavedModel(JSON.parse(JSON.stringify(saved))));
      try {
        const again = await saveModel(model);
        expect(again.tensors.map((t) => [t.name, t.shape])).toEqual(saved.tensors.map((t) => [t.name, t.shape]));
        const { pixels } = await sampleFullRecompute(model, { count: 2, seed: 3, temperature: 1, labels: new Int32Array([1, 4]), guidance: 2 });
        expect(pixels.length).toBe(2 * target.height * target.width);
        const { height, width, colorChannels, levels } = target;
        for (const label of [0, 3, 5]) {
          const map = await measureDependencies((x) => model.logits(x, tf.fill([x.shape[0]], label, 'int32') as tf.Tensor1D), {
            height,
            width,
            channels: colorChannels,
            levels,
          });
          expect(findLeaks(map), `label ${label}`).toEqual([]);
        }
        // A fresh class predicts what the old model predicted knowing no class.
        const before = modelFromSaved(old);
        const images = someImages(base);
        expect(await logitsOf(model, images, 3)).toEqual(await logitsOf(before, images, 3));
        expect(await logitsOf(model, images, 0)).toEqual(await logitsOf(before, images, 2));
        before.dispose();
        images.dispose();
      } finally {
        model.dispose();
      }
    });
  }

  it('starts new rows from the mean of the class rows when the model has no "no class" row, and adds that row', async () => {
    const base = { ...GATED, labelDropout: 0 };
    const old = await trainedFile(base, 12);
    const { saved, carry } = withClasses(old, await template({ ...base, classes: 2, labelDropout: 0.15 }), { from: ['a', 'b', 'c'], to: ['b', 'q'] });
    expect(carry).toEqual({ kept: ['b'], started: 1, startedFrom: 'mean of class rows' });
    const name = 'out/class';
    const mean = row(old, name, 0).map((v, c) => (v + row(old, name, 1)[c] + row(old, name, 2)[c]) / 3);
    expect(tensorOf(saved, name).shape[0]).toBe(3);
    expect(row(saved, name, 0)).toEqual(row(old, name, 1));
    row(saved, name, 1).forEach((v, c) => expect(v).toBeCloseTo(mean[c], 5));
    row(saved, name, 2).forEach((v, c) => expect(v).toBeCloseTo(mean[c], 5));
  });

  it('keeps rows by label when no names are given', async () => {
    const old = await trainedFile(GATED, 13);
    const { saved, carry } = withClasses(old, await template({ ...GATED, classes: 2 }));
    expect(carry.kept).toEqual(['0', '1']);
    expect(row(saved, 'h0/class', 1)).toEqual(row(old, 'h0/class', 1));
    expect(row(saved, 'h0/class', 2)).toEqual(row(old, 'h0/class', 3));
  });

  it('an unconditional model becomes conditional with tables of zeros: it predicts as before for every class', async () => {
    const base = { ...GATED, classes: 0, labelDropout: 0 };
    const old = await trainedFile(base, 14);
    const target = { ...base, classes: 4, labelDropout: 0.15 };
    const { saved, carry } = withClasses(old, await template(target), { from: [], to: ['a', 'b', 'c', 'd'] });
    expect(carry).toEqual({ kept: [], started: 4, startedFrom: 'zeros' });
    const before = modelFromSaved(old);
    const after = modelFromSaved(saved);
    const images = someImages(base);
    const unconditional = await logitsOf(before, images, null);
    for (const label of [0, 3, 4]) expect(await logitsOf(after, images, label)).toEqual(unconditional);
    tf.dispose(images);
    before.dispose();
    after.dispose();
  });

  it('a conditional model becomes unconditional with its "no class" row folded into the biases', async () => {
    const old = await trainedFile(GATED, 15);
    const target = { ...GATED, classes: 0, labelDropout: 0 };
    const { saved } = withClasses(old, await template(target), { from: ['a', 'b', 'c'], to: [] });
    expect(saved.tensors.some((t) => t.name.endsWith('/class'))).toBe(false);
    const before = modelFromSaved(old);
    const after = modelFromSaved(saved);
    const images = someImages(GATED);
    const expected = await logitsOf(before, images, 3);
    const got = await logitsOf(after, images, null);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    tf.dispose(images);
    before.dispose();
    after.dispose();
  });

  it('refuses a model that differs in more than its classes', async () => {
    const old = await trainedFile(GATED, 16);
    await expect(async () => withClasses(old, await template({ ...GATED, hiddenChannels: 8 }))).rejects.toThrow(/Only the classes/);
  });
});
