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
    expect(readModelMeta(undefined, digits)).toEqual({ meta: {}, dropped: [] });
    expect(readModelMeta('steps: 3', digits)).toEqual({ meta: {}, dropped: ['meta'] });
  });

  it('is read once, with the file: readSavedModel says what it dropped', () => {
    const file = { format: 'pixelcnn-studio-model', version: 1, config: digits, tensors: [], meta: { steps: 4, guidance: -2, classNames: names } };
    const { saved, droppedMeta } = readSavedModel(file);
    expect(saved.meta).toEqual({ steps: 4, classNames: names });
    expect(droppedMeta).toEqual(['guidance']);
  });
});
