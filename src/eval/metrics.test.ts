import { describe, expect, it } from 'vitest';
import {
  askedForShares,
  confidentShare,
  countStrokes,
  entropyBits,
  readClassEntropy,
  hasLastRowInk,
  readingsFromProbabilities,
  shapeFigures,
  shareTrue,
} from './metrics';

/** A tiny image from rows of characters: '#' = 255, '+' = 100, '.' = 40, ' ' = 0. */
function draw(...rows: string[]): { image: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const value: Record<string, number> = { '#': 255, '+': 100, '.': 40, ' ': 0 };
  const image = Uint8Array.from(rows.join(''), (c) => value[c]);
  return { image, width, height: rows.length };
}

describe('ink in the last row', () => {
  it('looks only at the last row, against the threshold', () => {
    const inLast = draw('    ', ' ## ', '   .');
    expect(hasLastRowInk(inLast.image, 4, 3, 96)).toBe(false); // 40 is below the threshold
    expect(hasLastRowInk(inLast.image, 4, 3, 40)).toBe(true);
    const aboveOnly = draw('####', '####', '    ');
    expect(hasLastRowInk(aboveOnly.image, 4, 3, 1)).toBe(false);
  });
});

describe('strokes', () => {
  it('joins pixels that touch by a corner (8-connected)', () => {
    const diagonal = draw('#    ', ' #   ', '  #  ', '   # ');
    expect(countStrokes(diagonal.image, diagonal.width, diagonal.height, 96, 3)).toBe(1);
  });

  it('counts separate strokes, and leaves out specks below the minimum size', () => {
    const { image, width, height } = draw(
      '##   #', //
      '##    ',
      '      ',
      '   ###',
      '#     ',
    );
    // Two strokes of 4 and 3 pixels; the single pixels top right and bottom left are specks.
    expect(countStrokes(image, width, height, 96, 3)).toBe(2);
    expect(countStrokes(image, width, height, 96, 1)).toBe(4);
    expect(countStrokes(image, width, height, 96, 4)).toBe(1);
  });

  it('breaks a stroke where it falls below the threshold', () => {
    const { image, width, height } = draw('###+###');
    expect(countStrokes(image, width, height, 96, 3)).toBe(1);
    expect(countStrokes(image, width, height, 128, 3)).toBe(2);
  });

  it('finds no stroke in a blank image, and one in a full one (edges included)', () => {
    expect(countStrokes(new Uint8Array(12), 4, 3, 96, 3)).toBe(0);
    expect(countStrokes(new Uint8Array(12).fill(255), 4, 3, 96, 3)).toBe(1);
  });
});

describe('shape figures of a stack', () => {
  it('gives the share of images with last-row ink, two or more strokes, and none', () => {
    const images = [
      draw('### ', '    ', '    ', '    '), // one stroke, top
      draw('##  ', '    ', '    ', ' ###'), // two strokes, ink in the last row
      draw('    ', '    ', '    ', '    '), // blank
      draw(' #  ', ' #  ', ' #  ', ' #  '), // one stroke reaching the last row
    ];
    const pixels = new Uint8Array(4 * 16);
    images.forEach((d, n) => pixels.set(d.image, n * 16));
    const settings = { lastRowThreshold: 96, strokeThreshold: 96, minStrokePixels: 2 };
    expect(shapeFigures({ width: 4, height: 4, count: 4, pixels }, settings)).toEqual({ lastRowInk: 0.5, brokenStrokes: 0.25, noStroke: 0.25 });
  });

  it('rejects pixels that do not match the geometry', () => {
    expect(() => shapeFigures({ width: 4, height: 4, count: 2, pixels: new Uint8Array(16) })).toThrow(/32 bytes/);
  });
});

describe('classifier shares', () => {
  // Three images, three classes.
  const probabilities = [0.95, 0.03, 0.02, 0.1, 0.5, 0.4, 0.0, 0.05, 0.95];
  const readings = readingsFromProbabilities(probabilities, 3);

  it('reads the top class and its probability', () => {
    expect(Array.from(readings.top)).toEqual([0, 1, 2]);
    expect(readings.confidence[1]).toBeCloseTo(0.5);
  });

  it('counts the images read with at least the threshold', () => {
    expect(confidentShare(readings, 0.9)).toBeCloseTo(2 / 3);
    expect(confidentShare(readings, 0.5)).toBe(1);
    expect(confidentShare(readings, 0.96)).toBe(0);
  });

  it('counts the images read as the class asked for, confidently and by argmax', () => {
    const shares = askedForShares(readings, [0, 1, 1], 0.9);
    expect(shares.argmax).toBeCloseTo(2 / 3); // images 0 and 1
    expect(shares.confident).toBeCloseTo(1 / 3); // only image 0 is also sure
    expect(() => askedForShares(readings, [0, 1], 0.9)).toThrow(/2 labels for 3/);
  });

  it('rejects probabilities that do not split into rows', () => {
    expect(() => readingsFromProbabilities([0.5, 0.5, 0.1], 2)).toThrow(/rows of 2/);
  });

  it('shareTrue of nothing is 0', () => {
    expect(shareTrue([])).toBe(0);
    expect(shareTrue([true, false, false, true])).toBe(0.5);
  });
});

describe('class entropy', () => {
  it('is log2 of the classes for an even spread, 0 for one class, and between for a skew', () => {
    expect(entropyBits([5, 5, 5, 5])).toBeCloseTo(2, 12);
    expect(entropyBits([0, 9, 0])).toBe(0);
    expect(entropyBits([])).toBe(0);
    expect(entropyBits([3, 1])).toBeCloseTo(-(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25)), 12);
  });

  it('of readings counts their top classes, whatever the confidence', () => {
    const readings = { classes: 10, top: Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), confidence: Float32Array.from([0.1, 1, 1, 1, 1, 1, 1, 0.2]) };
    expect(readClassEntropy(readings)).toBeCloseTo(2, 12);
    expect(readClassEntropy({ ...readings, top: new Int32Array(8).fill(7) })).toBe(0);
  });
});
