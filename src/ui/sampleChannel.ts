import type { SampleStart } from '../worker/protocol';
import { levelToByte } from '../data/quantise';

/**
 * The pixels of the sample being drawn, kept outside React: a sample can
 * arrive one sub-pixel at a time, hundreds of times a second, and repainting
 * a canvas from a buffer is far cheaper than re-rendering components.
 * The canvas subscribes and repaints at most once per animation frame.
 */
export interface SampleFrame {
  count: number;
  width: number;
  height: number;
  channels: 1 | 3;
  levels: number;
  /** count × H × W × 4 bytes: the images stacked vertically, ready for ImageData. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Sub-pixels per image known so far, in generation order. */
  drawn: number;
  /** Sub-pixels given by a completion prefix rather than sampled. */
  prefixLength: number;
  /** Grid columns, or null for a near-square grid. */
  columns: number | null;
  /** Each image's class name (a conditional model), or null. */
  captions: string[] | null;
}

type Listener = () => void;

/** Two dim blues in a checker: clearly "nothing here yet", and unlike any drawn grey. */
const NOT_DRAWN_LIGHT = [44, 58, 96] as const;
const NOT_DRAWN_DARK = [34, 45, 76] as const;

export function paintNotDrawn(rgba: Uint8ClampedArray, width: number, rows: number): void {
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      const colour = (x + y) % 2 === 0 ? NOT_DRAWN_LIGHT : NOT_DRAWN_DARK;
      const o = (y * width + x) * 4;
      rgba[o] = colour[0];
      rgba[o + 1] = colour[1];
      rgba[o + 2] = colour[2];
      rgba[o + 3] = 255;
    }
  }
}

/** When the page received each batch of a run: `drawn` sub-pixels per image were known `elapsedMs` after it started. */
export interface TimelineMark {
  drawn: number;
  elapsedMs: number;
}

class SampleChannel {
  private frame: SampleFrame | null = null;
  private marks: TimelineMark[] = [];
  private listeners = new Set<Listener>();

  current(): SampleFrame | null {
    return this.frame;
  }

  /** The pace of the current run, for replaying it (the animated download). */
  timeline(): readonly TimelineMark[] {
    return this.marks;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(sample: SampleStart): void {
    const { count, width, height, channels, levels, prefixLength, initial, columns, captions } = sample;
    const rgba = new Uint8ClampedArray(count * height * width * 4);
    paintNotDrawn(rgba, width, count * height);
    this.frame = { count, width, height, channels, levels, rgba, drawn: 0, prefixLength, columns, captions };
    const perImage = height * width * channels;
    for (let image = 0; image < count; image++) {
      for (let index = 0; index < prefixLength; index++) {
        this.writeSubPixel(image, index, initial[image * perImage + index]);
      }
    }
    this.frame.drawn = prefixLength;
    this.marks = [{ drawn: prefixLength, elapsedMs: 0 }];
    this.notify();
  }

  /** `values` is count × (to − from) levels, image-major; `elapsedMs` is when they were drawn. */
  addPixels(from: number, to: number, values: Uint8Array, elapsedMs?: number): void {
    const frame = this.frame;
    if (!frame) return;
    const span = to - from;
    for (let image = 0; image < frame.count; image++) {
      for (let k = 0; k < span; k++) {
        this.writeSubPixel(image, from + k, values[image * span + k]);
      }
    }
    frame.drawn = Math.max(frame.drawn, to);
    if (elapsedMs !== undefined) this.marks.push({ drawn: frame.drawn, elapsedMs });
    this.notify();
  }

  clear(): void {
    this.frame = null;
    this.marks = [];
    this.notify();
  }

  /**
   * A grayscale level fills the whole pixel; a colour sub-pixel only sets its
   * own channel, and R clears G and B, so a pixel with only R drawn shows pure
   * red, one with R and G red plus green, and only then its full colour.
   */
  private writeSubPixel(image: number, index: number, level: number): void {
    const frame = this.frame;
    if (!frame) return;
    const { width, height, channels, levels, rgba } = frame;
    const pixel = Math.floor(index / channels);
    const channel = index % channels;
    const o = (image * height * width + pixel) * 4;
    const byte = levelToByte(level, levels);
    if (channels === 1) {
      rgba[o] = byte;
      rgba[o + 1] = byte;
      rgba[o + 2] = byte;
    } else {
      if (channel === 0) {
        rgba[o + 1] = 0;
        rgba[o + 2] = 0;
      }
      rgba[o + channel] = byte;
    }
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export const sampleChannel = new SampleChannel();
