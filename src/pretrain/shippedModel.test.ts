import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCard, isModelCard } from '../model/card';
import { DEFAULT_CONFIG, withLaterFields } from '../model/config';
import { evaluateBitsPerDim } from '../model/evaluate';
import { createPixelCNN } from '../model/pixelcnn';
import { decodeFloat32, loadWeights, parseSavedModel } from '../model/serialize';
import { useNodeBackend } from '../node/backend';
import { readMnistSplit } from '../node/mnist';
import { PRETRAINED_CARD_PATH, PRETRAINED_MODEL_PATH } from '../worker/pretrained';

/**
 * The model shipped in public/ against its card: the card must describe the
 * weights that are actually there, whichever engine trained them. Evaluated
 * on wasm, as the app runs it, over every held-out digit of the app's own split.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (relative: string): string => fs.readFileSync(path.join(root, relative), 'utf8');

const saved = parseSavedModel(JSON.parse(read(`public/${PRETRAINED_MODEL_PATH}`)));
const card = JSON.parse(read(`public/${PRETRAINED_CARD_PATH}`)) as ModelCard;

beforeAll(async () => {
  await useNodeBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the shipped pretrained model', () => {
  it('is the default MNIST architecture its card names, with the card inside the model file too', () => {
    expect(isModelCard(card as unknown as Record<string, unknown>)).toBe(true);
    // A card written before a field existed lacks it; it means what it means in a model file (withLaterFields).
    const cardConfig = withLaterFields({ ...card.config });
    expect(saved.config).toEqual(cardConfig);
    expect(cardConfig).toEqual(DEFAULT_CONFIG);
    expect(saved.meta).toMatchObject({ origin: 'pretrained', steps: card.steps, card });
  });

  it('holds at most 2 MB of weights', () => {
    const bytes = saved.tensors.reduce((total, t) => total + decodeFloat32(t.data, t.name).byteLength, 0);
    expect(bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('scores the held-out bits/dim its card records, to 0.01', async () => {
    const { test } = readMnistSplit(root, card.config.levels);
    expect(test.count).toBe(card.split.heldOutImages);
    const model = createPixelCNN(saved.config);
    loadWeights(model, saved);
    const labels = saved.config.classes > 0 ? test.labels : undefined;
    if (saved.config.classes > 0) expect(labels, 'the held-out digits carry their labels').toBeDefined();
    const bits = await evaluateBitsPerDim(model, test.pixels, test.count, 50, labels);
    model.dispose();
    expect(Math.abs(bits - card.heldOutBitsPerDim)).toBeLessThan(0.01);
  }, 300_000); // a Gated PixelCNN scores the 1,000 digits in about a minute on one wasm thread
});
