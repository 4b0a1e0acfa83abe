import { describe, expect, it } from 'vitest';
import { SourceFactsCounter } from './sourceFacts';

function image(width: number, height: number, pixel: (p: number) => [number, number, number, number]) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set(pixel(p), 4 * p);
  return { width, height, rgba };
}

describe('SourceFactsCounter', () => {
  it('reads the median size, and gray as gray even with a little JPEG tint', () => {
    const counter = new SourceFactsCounter();
    expect(counter.facts()).toBeNull();
    for (const side of [20, 28, 28, 64]) counter.add(image(side, side + 2, (p) => [p % 256, (p % 256) + 10, p % 256, 255]));
    expect(counter.facts()).toEqual({ width: 28, height: 30, colour: false });
  });

  it('calls a drop colour when a tenth of its images have coloured pixels; transparent pixels do not count', () => {
    const counter = new SourceFactsCounter();
    for (let i = 0; i < 9; i++) counter.add(image(8, 8, () => [250, 0, 0, 0]));
    counter.add(image(8, 8, (p) => (p < 2 ? [250, 0, 0, 255] : [9, 9, 9, 255])));
    expect(counter.facts()!.colour).toBe(true);
    const transparent = new SourceFactsCounter();
    for (let i = 0; i < 10; i++) transparent.add(image(8, 8, () => [250, 0, 0, 0]));
    expect(transparent.facts()!.colour).toBe(false);
  });
});
