import { describe, expect, it } from 'vitest';
import { type EvalReport, batchSeed, formatReport, gridImage } from './run';

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

describe('the report', () => {
  const figures = { count: 1024, readable: 0.5, lastRowInk: 0.25, brokenStrokes: 0.125, noStroke: 0 };
  const report = (classes: number): EvalReport => ({
    model: 'm.json',
    architecture: 'gated',
    classes,
    heldOutBitsPerDim: 0.9,
    heldOutImages: 1000,
    classifier: { heldOutAccuracy: 0.98, cached: true, file: 'c.json', trainSeconds: 60 },
    samples: { ...figures, ...(classes ? { asked: { confident: 0.7, argmax: 0.8 } } : {}), temperature: 1, seed: 1, seconds: 90, grid: 'g.png' },
    real: { ...figures, count: 1000, asked: { confident: 0.93, argmax: 0.98 } },
    thresholds: { read: 0.9, lastRowInk: 96, stroke: 96, minStrokePixels: 3 },
  });

  it('ends with one JSON line of every figure', () => {
    const lines = formatReport(report(10));
    expect(JSON.parse(lines[lines.length - 1])).toEqual(report(10));
  });

  it('shows the asked-for class rows for a conditional model only', () => {
    expect(formatReport(report(10)).filter((l) => l.includes('class asked for'))).toHaveLength(2);
    expect(formatReport(report(0)).filter((l) => l.includes('class asked for'))).toHaveLength(0);
    expect(formatReport(report(0)).find((l) => l.startsWith('ink in the last row'))).toMatch(/25\.0%\s+25\.0%$/);
  });
});
