import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import { createPixelCNN } from './pixelcnn';
import { loadWeights, ModelFileError, parseSavedModel, saveModel } from './serialize';

beforeAll(useCpuBackend);

const config = {
  height: 4,
  width: 4,
  colorChannels: 3 as const,
  levels: 4,
  hiddenChannels: 6,
  layers: 2,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  architecture: 'pixelcnn' as const,
  firstKernelSize: 3,
  position: false,
  classes: 0,
  labelDropout: 0,
};

async function bits(model: ReturnType<typeof createPixelCNN>, images: tf.Tensor4D): Promise<number> {
  const value = model.bitsPerDim(images);
  const result = (await value.data())[0];
  value.dispose();
  return result;
}

describe('the model file', () => {
  it('round-trips through JSON to the same bits/dim', async () => {
    const a = createPixelCNN(config, 1);
    const b = createPixelCNN(config, 2);
    const images = tf.randomUniformInt([2, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    const saved = parseSavedModel(JSON.parse(JSON.stringify(await saveModel(a, { steps: 3 }))));
    expect(saved.meta).toEqual({ steps: 3 });
    expect(await bits(b, images)).not.toBeCloseTo(await bits(a, images), 4);
    loadWeights(b, saved);
    expect(await bits(b, images)).toBeCloseTo(await bits(a, images), 6);
    images.dispose();
    a.dispose();
    b.dispose();
  });

  it('round-trips a model with a head and a level embedding, and reads a file from before either existed as having neither', async () => {
    const richer = { ...config, headChannels: 9, inputEmbedding: 2 };
    const a = createPixelCNN(richer, 1);
    const b = createPixelCNN(richer, 2);
    const saved = parseSavedModel(JSON.parse(JSON.stringify(await saveModel(a))));
    expect(saved.config.headChannels).toBe(9);
    expect(saved.config.inputEmbedding).toBe(2);
    expect(saved.tensors.map((t) => t.name)).toEqual(expect.arrayContaining(['head/weight', 'embed/table']));
    const images = tf.randomUniformInt([2, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    loadWeights(b, saved);
    expect(await bits(b, images)).toBeCloseTo(await bits(a, images), 6);
    images.dispose();
    a.dispose();
    b.dispose();

    const plain = createPixelCNN(config, 1);
    const old = JSON.parse(JSON.stringify(await saveModel(plain))) as { config: Record<string, unknown> };
    delete old.config.headChannels;
    delete old.config.inputEmbedding;
    const read = parseSavedModel(old);
    expect(read.config.headChannels).toBe(0);
    expect(read.config.inputEmbedding).toBe(0);
    expect(() => loadWeights(plain, read)).not.toThrow();
    plain.dispose();
  });

  it('round-trips a conditional Gated PixelCNN with position, in the variable order of docs/ARCHITECTURES.md', async () => {
    const gated = { ...config, architecture: 'gated' as const, layers: 3, headChannels: 6, inputEmbedding: 2, position: true, classes: 2 };
    const a = createPixelCNN(gated, 1);
    const b = createPixelCNN(gated, 2);
    const saved = parseSavedModel(JSON.parse(JSON.stringify(await saveModel(a))));
    expect(saved.tensors.map((t) => t.name)).toEqual([
      'embed/table',
      ...['0', '1', '2'].flatMap((l) => [
        `v${l}/weight`,
        `v${l}/bias`,
        `h${l}/weight`,
        `h${l}/bias`,
        `link${l}/weight`,
        ...(l === '0' ? [] : [`res${l}/weight`, `res${l}/bias`]),
      ]),
      'head/weight',
      'head/bias',
      'out/weight',
      'out/bias',
      'v0/rows',
      'v0/cols',
      'h0/rows',
      'h0/cols',
      ...['0', '1', '2'].flatMap((l) => [`v${l}/class`, `h${l}/class`]),
      'head/class',
      'out/class',
    ]);
    loadWeights(b, saved);
    const images = tf.randomUniformInt([2, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    const labels = tf.tensor1d([1, 0], 'int32');
    const [x, y] = [a, b].map((m) => m.bitsPerDim(images, labels));
    expect((await y.data())[0]).toBeCloseTo((await x.data())[0], 6);
    tf.dispose([images, labels, x, y]);
    a.dispose();
    b.dispose();
  });

  it('reads a file from before architectures, first kernels, position and classes as the PixelCNN it was', async () => {
    const plain = createPixelCNN({ ...config, firstKernelSize: 3, kernelSize: 3 }, 1);
    const old = JSON.parse(JSON.stringify(await saveModel(plain))) as { config: Record<string, unknown> };
    for (const field of ['architecture', 'firstKernelSize', 'position', 'classes']) delete old.config[field];
    const read = parseSavedModel(old);
    expect(read.config).toMatchObject({ architecture: 'pixelcnn', firstKernelSize: 3, kernelSize: 3, position: false, classes: 0 });
    expect(() => loadWeights(plain, read)).not.toThrow();
    plain.dispose();
  });

  it('rejects files that are not models, with a message that says so', () => {
    expect(() => parseSavedModel({ hello: 1 })).toThrow(/not a PixelCNN model file/);
    expect(() => parseSavedModel([1, 2])).toThrow(ModelFileError);
    expect(() => parseSavedModel({ format: 'pixelcnn-studio-model', version: 99 })).toThrow(/version 99/);
    expect(() => parseSavedModel({ format: 'pixelcnn-studio-model', version: 1, config: { ...config, kernelSize: 4 }, tensors: [] })).toThrow(
      /kernelSize must be odd/,
    );
  });

  it('rejects a model for another architecture and leaves the current weights untouched', async () => {
    const model = createPixelCNN(config, 1);
    const other = createPixelCNN({ ...config, hiddenChannels: 9 }, 1);
    const images = tf.randomUniformInt([1, 4, 4, 3], 0, 4, 1) as tf.Tensor4D;
    const before = await bits(model, images);
    expect(() =>
      loadWeights(model, parseSavedModel(JSON.parse(JSON.stringify({ format: 'pixelcnn-studio-model', version: 1, config: other.config, tensors: [] })))),
    ).toThrow(/another architecture/);

    const saved = await saveModel(other);
    // A file whose later tensor is short must fail before any earlier tensor is assigned.
    const foreign = createPixelCNN(config, 5);
    const truncated = await saveModel(foreign);
    truncated.tensors[3].data = 'AAAAAA=='; // one float instead of many
    expect(() => loadWeights(model, truncated)).toThrow(/holds 1 values/);
    expect(() => loadWeights(model, saved)).toThrow(ModelFileError);
    expect(await bits(model, images)).toBeCloseTo(before, 6);
    images.dispose();
    model.dispose();
    other.dispose();
    foreign.dispose();
  });
});
