import { describe, expect, it } from 'vitest';
import { quantiseArray } from '../data/quantise';
import { backgroundFrom, blankPad, paintAt, paintLine, pixelAt, toLevels } from './drawingPad';

describe('the drawing pad', () => {
  it('is quantised exactly as dataset images are', () => {
    const pad = blankPad(5, 4, 3, [250, 200, 140]);
    paintAt(pad, 1, 2, [220, 40, 50], 1);
    for (const levels of [2, 7, 16, 256]) expect(Array.from(toLevels(pad, levels))).toEqual(Array.from(quantiseArray(pad.bytes, levels)));
    expect(Array.from(toLevels(pad, 256).subarray((1 * 5 + 2) * 3, (1 * 5 + 2) * 3 + 3))).toEqual([220, 40, 50]);
  });

  it('paints brushes inside the pad and strokes without gaps', () => {
    const pad = blankPad(6, 6, 1, [0, 0, 0]);
    paintAt(pad, 0, 0, [255, 255, 255], 3);
    expect([pixelAt(pad, 0, 0)[0], pixelAt(pad, 1, 1)[0], pixelAt(pad, 2, 2)[0]]).toEqual([255, 255, 0]);
    paintLine(pad, { row: 5, col: 0 }, { row: 5, col: 5 }, [170, 170, 170]);
    for (let col = 0; col < 6; col++) expect(pixelAt(pad, 5, col)[0]).toBe(170);
    expect(paintAt(pad, 5, 5, [170, 170, 170])).toBe(false);
  });

  it("takes its background from the dataset's first image", () => {
    expect(backgroundFrom(Uint8Array.from([255, 255, 255]), 3, 256)).toEqual([255, 255, 255]);
    expect(backgroundFrom(Uint8Array.from([0]), 1, 16)).toEqual([0, 0, 0]);
    expect(backgroundFrom(null, 1, 16)).toEqual([0, 0, 0]);
  });
});
