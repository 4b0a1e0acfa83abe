import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../test/tfSetup';
import type { PixelCNNConfig } from './config';
import { TINY_GATED } from './testConfigs';
import { fileSampler } from './fileSampler';
import { gatedNetworkFromFile } from './gatedNetwork';
import type { GatedPixelCNN } from './gatedPixelCNN';
import { sampleIncremental } from './incrementalSampler';
import { encodeFloat32, ModelFileError } from './modelFile';
import { createPixelCNN, type PixelCNN } from './pixelcnn';
import type { SampleOptions } from './sampling';
import { modelFromSaved, parseSavedModel, saveModel } from './serialize';

beforeAll(useCpuBackend);

const GATED = TINY_GATED;

/** Random values everywhere, closed taps too: the file path must apply the masks itself. */
function randomise(model: PixelCNN, seed: number): void {
  model.variables.forEach((variable, i) => tf.tidy(() => variable.assign(tf.randomNormal(variable.shape, 0, 0.4, 'float32', seed + i))));
}

async function draw(sample: (options: SampleOptions) => Promise<{ pixels: Int32Array }>, options: SampleOptions) {
  const logits: Float32Array[] = [];
  const { pixels } = await sample({ ...options, onSubPixel: (step) => void logits.push(step.logits.slice()) });
  return { pixels, logits };
}

describe('sampling straight from a model file, without tfjs', () => {
  const CASES: Array<[string, PixelCNNConfig]> = [
    ['gated, gray', GATED],
    ['gated, gray, embedding, head, position and 3 classes', { ...GATED, inputEmbedding: 3, headChannels: 8, position: true, classes: 3 }],
    ['gated, RGB, head and 2 classes', { ...GATED, colorChannels: 3, hiddenChannels: 6, height: 3, width: 4, firstKernelSize: 3, headChannels: 6, classes: 2 }],
  ];
  for (const [name, config] of CASES) {
    it(`${name}: the same images and logits as the model built from the file`, async () => {
      const model = createPixelCNN(config, 3);
      randomise(model, 40);
      const options: SampleOptions = { count: 3, seed: 9, temperature: 1, labels: config.classes ? Int32Array.from([0, config.classes - 1, 1]) : undefined };
      // The model as the app would load the file: saving masks the weights, loading builds a fresh model.
      const saved = await saveModel(model);
      const loaded = modelFromSaved(saved);
      const expected = await draw((o) => sampleIncremental(loaded, o), options);
      const got = await draw(fileSampler(saved)!, options);
      expect(got.pixels).toEqual(expected.pixels);
      let worst = 0;
      got.logits.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected.logits[i][j])))));
      expect(worst).toBeLessThan(1e-4);
      model.dispose();
      loaded.dispose();
    });
  }

  it('masks the weights itself, as the model does: a file whose closed connections hold values is read as masked', async () => {
    // In colour the centre tap is open only between some colour groups: the mask matters inside an open tap.
    const model = createPixelCNN({ ...GATED, colorChannels: 3, hiddenChannels: 6, height: 3, width: 4, firstKernelSize: 3 }, 5) as GatedPixelCNN;
    randomise(model, 50);
    const saved = await saveModel(model);
    // Unmasked values, as a hand-made file might hold.
    const raw = new Map(model.variables.map((v) => [v.name.split('/').slice(1).join('/'), v.dataSync() as Float32Array]));
    const network = gatedNetworkFromFile({ ...saved, tensors: saved.tensors.map((t) => ({ ...t, data: encodeFloat32(raw.get(t.name)!) })) });
    for (const [l, gated] of model.gatedLayers.entries()) {
      for (const stack of ['vertical', 'horizontal'] as const) {
        const masked = tf.tidy(() => tf.mul(gated[stack].weight, gated[stack].mask));
        expect(Array.from(network.stacks[l][stack].weight)).toEqual(Array.from(masked.dataSync()));
        masked.dispose();
      }
    }
    model.dispose();
  });

  it('draws the shipped digits model as the app does, for its first rows', async () => {
    const file = path.resolve(__dirname, '../../public/models/mnist-pixelcnn.json');
    const saved = parseSavedModel(JSON.parse(readFileSync(file, 'utf8')));
    const model = modelFromSaved(saved);
    // Two rows of 28: enough to cross the first row's start and a second vertical-stack row.
    const options: SampleOptions = { count: 2, seed: 1, temperature: 1, labels: Int32Array.from([3, 7]), shouldStop: undefined };
    let steps = 0;
    const stopAfterTwoRows = { ...options, onSubPixel: () => void steps++, shouldStop: () => steps >= 56 };
    const expected = await sampleIncremental(model, stopAfterTwoRows);
    steps = 0;
    const got = await fileSampler(saved)!(stopAfterTwoRows);
    expect(got.completed).toBe(56);
    expect(got.pixels).toEqual(expected.pixels);
    model.dispose();
  });

  it('names what is wrong with a file that does not fit its config, and declines other architectures', async () => {
    const model = createPixelCNN(GATED, 1);
    const saved = await saveModel(model);
    model.dispose();
    expect(() => fileSampler({ ...saved, tensors: saved.tensors.filter((t) => t.name !== 'link1/weight') })).toThrow(ModelFileError);
    expect(() => fileSampler({ ...saved, tensors: saved.tensors.filter((t) => t.name !== 'link1/weight') })).toThrow(/missing tensor "link1\/weight"/);
    const wrongShape = saved.tensors.map((t) => (t.name === 'h0/bias' ? { ...t, shape: [3] } : t));
    expect(() => fileSampler({ ...saved, tensors: wrongShape })).toThrow(/Tensor "h0\/bias" has shape 3, expected 8/);
    expect(fileSampler({ ...saved, config: { ...saved.config, architecture: 'pixelcnn' } })).toBeNull();
  });
});
