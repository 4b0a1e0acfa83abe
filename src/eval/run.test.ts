import { describe, expect, it } from 'vitest';
import { type EvalReport, batchSeed, drawableWeights, formatReport, gridFileFor, gridImage, spreadIndices } from './run';

describe('the sample grid', () => {
  it('places images in rows with 1-pixel gray gutters, enlarged', () => {
    const pixels = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]); // three 2×2 images
    const grid = gridImage({ width: 2, height: 2, count: 3, pixels }, 2, 2);
    expect([grid.width, grid.height]).toEqual([2 * 5 - 1, 2 * 5 - 1]);
    const at = (x: number, y: number): number => grid.gray[y * grid.width + x];
    expect([at(0, 0), at(1, 1), at(2, 0), at(3, 3)]).toEqual([10, 10, 20, 40]);
    expect(at(4, 0)).toBe(64); // gutter
    expect(at(5, 0)).toBe(50); // second image
    expect(at(0, 5)).toBe(90); // third image, second row
    expect(at(5, 5)).toBe(64); // no fourth image
  });
});

describe('batch seeds', () => {
  it('differ between batches and between seeds', () => {
    const seeds = new Set([1, 2, 3].flatMap((seed) => [0, 1, 2, 7].map((b) => batchSeed(seed, b))));
    expect(seeds.size).toBe(12);
  });
});

describe('the weights a model is drawn at', () => {
  it('are all the asked ones with a "no class" row, else 1 alone, saying why', () => {
    expect(drawableWeights(10, true, [0, 1, 1.5, 2, 3, 5])).toEqual({ weights: [0, 1, 1.5, 2, 3, 5] });
    expect(drawableWeights(10, true, [2, 2, 1])).toEqual({ weights: [2, 1] });
    const plain = drawableWeights(10, false, [0, 1, 2]);
    expect(plain.weights).toEqual([1]);
    expect(plain.note).toMatch(/no "no class" row .* w = 0, 2 left out/);
    expect(drawableWeights(10, false, [1])).toEqual({ weights: [1] });
    expect(drawableWeights(0, false, [0, 1, 3]).note).toMatch(/unconditional/);
  });
});

describe('the scored test digits and the grid files', () => {
  it('spread evenly over the test set, all of them when asked for as many', () => {
    expect(spreadIndices(10, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(spreadIndices(10000, 2000).slice(0, 3)).toEqual([0, 5, 10]);
    expect(spreadIndices(10000, 2000).at(-1)).toBe(9995);
    expect(spreadIndices(4, 10)).toEqual([0, 1, 2, 3]);
  });

  it('one grid per weight', () => {
    expect(gridFileFor('.cache/eval/samples-m-T1-s1.png', 1.5)).toBe('.cache/eval/samples-m-T1-s1-w1.5.png');
    expect(gridFileFor('out', 0)).toBe('out-w0');
  });
});

describe('the report', () => {
  const figures = { count: 128, readable: 0.5, lastRowInk: 0.25, brokenStrokes: 0.125, noStroke: 0, readClassEntropy: 3.1 };
  const row = (guidance: number, readable: number) => ({
    ...figures,
    readable,
    asked: { confident: 0.7, argmax: 0.8 },
    guidance,
    seconds: 60,
    grid: `g-w${guidance}.png`,
  });
  const report = (classes: number): EvalReport => ({
    model: 'm.json',
    architecture: 'gated',
    classes,
    noClassRow: classes > 0,
    testBitsPerDim: 0.9,
    ...(classes > 0 ? { unconditionalTestBitsPerDim: 0.95 } : {}),
    testImages: 2000,
    testSetImages: 10000,
    classifier: { testAccuracy: 0.98, cached: true, file: 'c.json', trainSeconds: 60, trainImages: 60000 },
    samples: { count: 128, temperature: 1, seed: 1, ...(classes > 0 ? { askedEntropy: 3.3 } : {}) },
    guidance: classes > 0 ? [row(0, 0.4), row(1, 0.6), row(3, 0.95)] : [{ ...figures, guidance: 1, seconds: 60, grid: 'g-w1.png' }],
    real: { ...figures, count: 10000, readable: 0.94, asked: { confident: 0.93, argmax: 0.98 } },
    thresholds: { read: 0.9, lastRowInk: 96, stroke: 96, minStrokePixels: 3 },
  });

  it('ends with one JSON line of every figure', () => {
    const lines = formatReport(report(10));
    expect(JSON.parse(lines[lines.length - 1])).toEqual(report(10));
  });

  it('has a row per guidance weight and one for the real test digits', () => {
    const lines = formatReport(report(10));
    expect(lines.find((l) => l.startsWith('w = 0 '))).toMatch(/^w = 0\s+40\.0%\s+70\.0%\s+80\.0%\s+12\.5%\s+25\.0%\s+0\.0%\s+3\.10 bits$/);
    expect(lines.find((l) => l.startsWith('w = 3 '))).toMatch(/^w = 3\s+95\.0%/);
    expect(lines.find((l) => l.startsWith('real test digits'))).toMatch(/94\.0%\s+93\.0%\s+98\.0%/);
    expect(lines.some((l) => l.includes('2,000 of the 10,000 standard MNIST test digits'))).toBe(true);
    expect(lines.some((l) => l.includes('0.9500 with the "no class" label'))).toBe(true);
  });

  it('shows the asked-for columns for a conditional model only', () => {
    expect(formatReport(report(10)).filter((l) => l.includes('as asked'))).toHaveLength(1);
    expect(formatReport(report(0)).filter((l) => l.includes('as asked'))).toHaveLength(0);
    expect(formatReport(report(0)).find((l) => l.startsWith('samples '))).toMatch(/^samples\s+50\.0%\s+12\.5%\s+25\.0%/);
    expect(formatReport(report(0)).some((l) => l.includes('"no class" label'))).toBe(false);
    expect(formatReport(report(10)).some((l) => l.startsWith('w = 0 draws with the "no class" label'))).toBe(true);
  });
});
