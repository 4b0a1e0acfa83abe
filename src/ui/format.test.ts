import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardRows, originText, withFieldLabels } from './format';

// The shipped card, with the figures these tests spell out fixed, so retraining the model does not change them.
const shipped = JSON.parse(fs.readFileSync(new URL('../../public/models/mnist-pixelcnn.card.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const { epochs, guidance, startedFrom, testBitsPerDim, testImages, unconditionalTestBitsPerDim, ...required } = shipped;
const card = {
  ...required,
  steps: 6000,
  batchSize: 16,
  seed: 2026,
  heldOutBitsPerDim: 0.93794,
  split: { testFraction: 0.1, seed: 1, trainImages: 10800, heldOutImages: 1000 },
  learningRate: { peak: 0.002, final: 5e-5, warmupSteps: 200 },
};

describe('how the Model panel words a model', () => {
  it('says where the weights came from, and when a pretrained model was trained further here', () => {
    expect(originText('new', 0)).toBe('new (random weights)');
    expect(originText('new', 5)).toBe('trained here from random weights');
    expect(originText('pretrained', 6000, card)).toBe('pretrained (shipped with the app)');
    expect(originText('pretrained', 6025, card)).toBe('pretrained, then trained here for 25 more steps');
  });

  it('reads the shipped card as sentences, and lists any other card as it is', () => {
    const rows = Object.fromEntries(cardRows(card));
    expect(rows['Held-out loss']).toMatch(/^0\.938 bits\/dim on 1,000 held-out images/);
    expect(rows['Training']).toBe('6,000 Adam steps of 16 images, seed 2026, learning rate up to 0.002');
    expect(rows['Code']).toMatch(/^commit [0-9a-f]{12}$/);
    expect(cardRows({ note: 'hand-made', steps: 3 })).toEqual([
      ['note', 'hand-made'],
      ['steps', '3'],
    ]);
  });

  it('shows a card that lacks a field as sentences without it, instead of failing to show it', () => {
    const without = (field: string) => {
      const partial: Record<string, unknown> = { ...card };
      delete partial[field];
      return Object.fromEntries(cardRows(partial));
    };
    expect(without('learningRate')['Training']).toBe('6,000 Adam steps of 16 images, seed 2026');
    expect(without('split')['Held-out loss']).toBe("0.938 bits/dim on the held-out images (the Dataset panel's test split)");
    expect(without('dataset')['Trained on']).toBeUndefined();
    expect(without('dataset')['Held-out loss']).toMatch(/^0\.938/);
    expect(without('trainBitsImages')['Training loss']).toMatch(/^\d\.\d{3} bits\/dim$/);
    expect(() => cardRows({ ...card, learningRate: {}, split: 'all' })).not.toThrow();
    expect(() => cardRows({ ...card, startedFrom: 'earlier' })).not.toThrow();
    // Whatever JSON cannot say is listed in words rather than thrown over.
    expect(cardRows({ note: undefined, big: 10n })).toEqual([
      ['note', 'undefined'],
      ['big', '10'],
    ]);
  });

  it('adds the standard test loss, the default guidance, the passes and a warm start when the card has them', () => {
    const rows = Object.fromEntries(
      cardRows({
        ...card,
        testBitsPerDim: 0.8412,
        testImages: 10000,
        unconditionalTestBitsPerDim: 0.8523,
        guidance: 2.5,
        epochs: 3.73,
        startedFrom: { file: 'start.json', steps: 5000 },
      }),
    );
    expect(rows['Test loss']).toBe('0.841 bits/dim on 10,000 standard MNIST test digits; 0.852 bits/dim told "no class"');
    expect(rows['Guidance']).toBe("2.5 by default (the Sampling panel's Guidance)");
    expect(rows['Training']).toBe(
      '6,000 Adam steps of 16 images (3.73 passes over the training images), continuing a model of 5,000 steps, seed 2026, learning rate up to 0.002',
    );
    expect(Object.keys(Object.fromEntries(cardRows(card)))).not.toContain('Test loss');
  });

  it("rewords a config problem with the form's labels, the new fields included", () => {
    expect(withFieldLabels('firstKernelSize must be odd so the kernel has a centre tap, got 4.')).toBe(
      'First kernel must be odd so the kernel has a centre tap, got 4.',
    );
    expect(withFieldLabels('classes must be an integer from 0 to 1000, got -1.')).toBe('Classes must be an integer from 0 to 1000, got -1.');
    expect(withFieldLabels('headChannels (5) must be divisible by colorChannels (3)')).toBe('Head channels (5) must be divisible by Colour channels (3)');
  });
});
