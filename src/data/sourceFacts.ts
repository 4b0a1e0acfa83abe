import type { DecodedImage, SourceFacts } from './types';

export type { SourceFacts } from './types';

/** A pixel is coloured when its channels differ by more than this (0..255); JPEG noise on grays stays below it. */
const COLOURED_SPREAD = 24;
/** An image is in colour when at least this share of its pixels is coloured. */
const COLOURED_PIXELS = 0.02;
/** The images are in colour when at least this share of them is. */
const COLOUR_IMAGES = 0.1;

/** Collects a drop's SourceFacts image by image, as importImages decodes it. */
export class SourceFactsCounter {
  private readonly widths: number[] = [];
  private readonly heights: number[] = [];
  private colourImages = 0;

  add(image: DecodedImage): void {
    this.widths.push(image.width);
    this.heights.push(image.height);
    const { rgba } = image;
    const pixels = image.width * image.height;
    let coloured = 0;
    for (let p = 0; p < pixels; p++) {
      const r = rgba[4 * p];
      const g = rgba[4 * p + 1];
      const b = rgba[4 * p + 2];
      if (rgba[4 * p + 3] > 0 && Math.max(r, g, b) - Math.min(r, g, b) > COLOURED_SPREAD) coloured++;
    }
    if (coloured >= COLOURED_PIXELS * pixels) this.colourImages++;
  }

  /** The facts of the images added so far, or null when there were none. */
  facts(): SourceFacts | null {
    if (this.widths.length === 0) return null;
    return { width: median(this.widths), height: median(this.heights), colour: this.colourImages >= COLOUR_IMAGES * this.widths.length };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
