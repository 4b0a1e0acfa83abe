import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCard, isModelCard } from '../model/card';
import { withLaterFields } from '../model/config';
import { evaluateBitsPerDim } from '../model/evaluate';
import { createPixelCNN } from '../model/pixelcnn';
import { decodeFloat32, loadWeights, parseSavedModel } from '../model/serialize';
import { useNodeBackend } from '../node/backend';
import { BUILTIN_DATASET_IDS, BUILTIN_DATASETS } from '../data/builtin';
import { readBuiltinSplit } from '../node/mnist';
import { PRETRAIN_BY_DATASET } from './schedule';

/**
 * The models shipped in public/, one per built-in dataset, against their
 * cards: a card must describe the weights that are actually there, whichever
 * engine trained them. Evaluated on wasm, as the app runs them, over every
 * held-out image of the app's own split.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (relative: string): string => fs.readFileSync(path.join(root, relative), 'utf8');

beforeAll(async () => {
  await useNodeBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BUILTIN_DATASET_IDS)('the pretrained model shipped for the %s', (id) => {
  const set = BUILTIN_DATASETS[id];
  const saved = parseSavedModel(JSON.parse(read(`public/${set.modelPath}`)));
  const card = JSON.parse(read(`public/${set.cardPath}`)) as ModelCard;

  it('is the architecture `npm run pretrain` trains for it, with the card inside the model file too', () => {
    expect(isModelCard(card as unknown as Record<string, unknown>)).toBe(true);
    // A card written before a field existed lacks it; it means what it means in a model file (withLaterFields).
    const cardConfig = withLaterFields({ ...card.config });
    expect(saved.config).toEqual(cardConfig);
    expect(cardConfig).toEqual(PRETRAIN_BY_DATASET[id].config);
    expect(saved.meta).toMatchObject({ origin: 'pretrained', steps: card.steps, card });
    expect([cardConfig.width, cardConfig.height, cardConfig.colorChannels]).toEqual([set.width, set.height, set.channels]);
  });

  it('holds at most 2 MB of weights', () => {
    const bytes = saved.tensors.reduce((total, t) => total + decodeFloat32(t.data, t.name).byteLength, 0);
    expect(bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  if (set.channels === 3) {
    it('records that drawing R, then G knowing R, then B knowing both beats independent channels', () => {
      // Measured at equal budgets from scratch; a warm-started model carries its starting model's comparison.
      const compared = card.independentChannelsHeldOutBitsPerDim !== undefined ? card : card.startedFrom;
      expect(compared?.independentChannelsHeldOutBitsPerDim).toBeGreaterThan(compared!.heldOutBitsPerDim!);
    });
  }

  // A digits card from before the built-in digits came from the standard split (it has no testBitsPerDim) was scored
  // on held-out digits the app no longer has: 1,000 of the mnist package's 10,000, all standard training digits.
  const scoredOnGoneDigits = id === 'digits' && !('testBitsPerDim' in card);
  it.skipIf(scoredOnGoneDigits)(
    'scores the held-out bits/dim its card records, to 0.01',
    async () => {
      const { test } = readBuiltinSplit(root, id, card.config.levels);
      expect(test.count).toBe(card.split.heldOutImages);
      const model = createPixelCNN(saved.config);
      loadWeights(model, saved);
      const labels = saved.config.classes > 0 ? test.labels : undefined;
      if (saved.config.classes > 0) expect(labels, 'the held-out images carry their labels').toBeDefined();
      const bits = await evaluateBitsPerDim(model, test.pixels, test.count, 50, labels);
      model.dispose();
      expect(Math.abs(bits - card.heldOutBitsPerDim)).toBeLessThan(0.01);
    },
    300_000,
  ); // a Gated PixelCNN scores the 1,000 digits in about a minute on one wasm thread
});
