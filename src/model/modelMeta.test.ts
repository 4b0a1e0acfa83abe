import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from './config';
import { readSavedModel } from './modelFile';
import { readModelMeta } from './modelMeta';

const digits: PixelCNNConfig = { ...DEFAULT_CONFIG, classes: 3 };
const names = ['zero', 'one', 'two'];

describe("a model file's meta", () => {
  it('reads every field of its kind, typed', () => {
    const card = { title: 'Digits', steps: 5000 };
    const raw = {
      steps: 12,
      origin: 'pretrained',
      card,
      classNames: names,
      guidance: 2.5,
      independentChannels: true,
      savedAt: '2026-01-01T00:00:00Z',
      exportedAt: 'x',
    };
    const { meta, dropped } = readModelMeta(raw, digits);
    expect(meta).toEqual(raw);
    expect(dropped).toEqual([]);
    // The names are the model's own copy.
    expect(meta.classNames).not.toBe(names);
  });

  it('drops a field of the wrong kind and names it; leaves out facts the app does not read', () => {
    const raw = {
      steps: -1,
      origin: 'downloaded',
      card: ['not', 'a', 'record'],
      classNames: ['zero', 'one'],
      guidance: 11,
      independentChannels: 'yes',
      savedAt: 7,
      heldOutBitsPerDim: 0.9,
    };
    const { meta, dropped } = readModelMeta(raw, digits);
    expect(meta).toEqual({});
    expect(dropped).toEqual(['steps', 'origin', 'card', 'classNames', 'guidance', 'independentChannels', 'savedAt']);
    expect(readModelMeta({ steps: 2.5, classNames: ['zero', '', 'two'], guidance: Number.NaN }, digits).dropped).toEqual(['steps', 'classNames', 'guidance']);
    // Class names of an unconditional model fit nothing.
    expect(readModelMeta({ classNames: [] }, DEFAULT_CONFIG.classes === 0 ? DEFAULT_CONFIG : { ...DEFAULT_CONFIG, classes: 0 }).dropped).toEqual([
      'classNames',
    ]);
  });

  it('reads no meta as empty, and a meta that is not a record as empty, naming it', () => {
    expect(readModelMeta(undefined, digits)).toEqual({ meta: {}, dropped: [], missing: [] });
    expect(readModelMeta('steps: 3', digits)).toEqual({ meta: {}, dropped: ['meta'], missing: [] });
  });

  it('is read once, with the file: readSavedModel says what it dropped', () => {
    const file = { format: 'pixelcnn-studio-model', version: 1, config: digits, tensors: [], meta: { steps: 4, guidance: -2, classNames: names } };
    const { saved, droppedMeta } = readSavedModel(file);
    expect(saved.meta).toEqual({ steps: 4, classNames: names });
    expect(droppedMeta).toEqual(['guidance']);
  });
});

/** A card as `npm run pretrain` writes it (the fields the Model panel's sentences read). */
const fullCard = {
  title: 'Digits',
  dataset: 'MNIST',
  config: { ...DEFAULT_CONFIG },
  seed: 1,
  steps: 5000,
  batchSize: 16,
  learningRate: { peak: 0.004, final: 0.00005, warmupSteps: 200 },
  split: { testFraction: 0.1, seed: 2, trainImages: 10800, heldOutImages: 1200 },
  trainBitsPerDim: 0.9,
  trainBitsImages: 1000,
  heldOutBitsPerDim: 0.91,
  trainedAt: '2026-11-30T00:00:00Z',
  commit: 'abc',
  backend: 'torch',
  wallTimeSeconds: 1800,
};

describe("a model file's card, read field by field", () => {
  it('keeps a whole card as it is, and a card of other facts (a twin’s figures) too', () => {
    expect(readModelMeta({ card: fullCard }, digits)).toEqual({ meta: { card: fullCard }, dropped: [], missing: [] });
    const facts = { title: 'mine', figures: [1, 2, { a: 'b' }] };
    expect(readModelMeta({ card: facts }, digits)).toEqual({ meta: { card: facts }, dropped: [], missing: [] });
  });

  // Each field of a pretrained card, missing: named, and the rest kept (the card of issue 25 lacked learningRate, dataset and split.heldOutImages).
  for (const field of Object.keys(fullCard) as Array<keyof typeof fullCard>) {
    it(`names '${field}' when a pretrained card lacks it, and keeps the rest`, () => {
      const { [field]: _left, ...rest } = fullCard;
      const { meta, dropped, missing } = readModelMeta({ card: rest }, digits);
      expect(missing).toEqual([`card.${field}`]);
      expect(dropped).toEqual([]);
      expect(meta.card).toEqual(rest);
    });
    it(`drops '${field}' of the wrong kind, naming it, and keeps the rest`, () => {
      const wrong = typeof fullCard[field] === 'string' ? 42 : 'forty-two';
      const { meta, dropped } = readModelMeta({ card: { ...fullCard, [field]: wrong } }, digits);
      expect(dropped).toEqual([`card.${field}`]);
      const { [field]: _left, ...rest } = fullCard;
      expect(meta.card).toEqual(rest);
    });
  }

  it('reads nested records field by field', () => {
    const card = { ...fullCard, split: { ...fullCard.split, heldOutImages: undefined }, learningRate: { ...fullCard.learningRate, peak: 'high' } };
    const { meta, dropped, missing } = readModelMeta({ card }, digits);
    expect(missing).toEqual(['card.split.heldOutImages']);
    expect(dropped).toEqual(['card.learningRate.peak']);
    expect(meta.card).toMatchObject({ split: { testFraction: 0.1, seed: 2, trainImages: 10800 }, learningRate: { final: 0.00005, warmupSteps: 200 } });
  });

  it('drops facts JSON cannot hold (what storage can, a BigInt or a cycle) rather than let them break the page', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const { meta, dropped } = readModelMeta({ card: { title: 't', config: { layers: 2n }, big: 10n, cyclic, fine: { x: [1] } } }, digits);
    expect(meta.card).toEqual({ title: 't', fine: { x: [1] } });
    expect(dropped).toEqual(['card.config', 'card.big', 'card.cyclic']);
  });
});
