import { levelToByte, quantiseArray } from '../data/quantise';

/**
 * The drawing pad's picture: bytes (0..255) at the model's size, H × W × C in
 * row-major order like a dataset image before quantising. `toLevels` turns it
 * into the model's levels with the same quantiser the datasets go through,
 * so a drawn white is the level a white dataset pixel would be.
 */
export interface PadImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** H × W × C bytes. */
  bytes: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export interface PadColour {
  name: string;
  rgb: Rgb;
}

/** Inks of a grayscale pad. */
export const GRAY_INKS: readonly PadColour[] = [
  { name: 'White', rgb: [255, 255, 255] },
  { name: 'Light grey', rgb: [170, 170, 170] },
  { name: 'Dark grey', rgb: [85, 85, 85] },
  { name: 'Black', rgb: [0, 0, 0] },
];

/** A small palette for a colour pad: a few flat colours, as icons use. */
export const COLOUR_INKS: readonly PadColour[] = [
  { name: 'Black', rgb: [0, 0, 0] },
  { name: 'White', rgb: [255, 255, 255] },
  { name: 'Grey', rgb: [128, 128, 128] },
  { name: 'Red', rgb: [220, 40, 50] },
  { name: 'Orange', rgb: [245, 140, 30] },
  { name: 'Yellow', rgb: [255, 205, 50] },
  { name: 'Green', rgb: [60, 170, 70] },
  { name: 'Blue', rgb: [50, 110, 220] },
  { name: 'Purple', rgb: [150, 80, 190] },
  { name: 'Brown', rgb: [140, 90, 50] },
  { name: 'Pink', rgb: [245, 150, 180] },
  { name: 'Skin', rgb: [250, 200, 140] },
];

export function inksFor(channels: 1 | 3): readonly PadColour[] {
  return channels === 1 ? GRAY_INKS : COLOUR_INKS;
}

/** A pad filled with `background`. */
export function blankPad(width: number, height: number, channels: 1 | 3, background: Rgb): PadImage {
  const pad: PadImage = { width, height, channels, bytes: new Uint8Array(width * height * channels) };
  fillPad(pad, background);
  return pad;
}

export function fillPad(pad: PadImage, colour: Rgb): void {
  for (let p = 0; p < pad.width * pad.height; p++) setPixel(pad, p, colour);
}

function setPixel(pad: PadImage, p: number, colour: Rgb): void {
  if (pad.channels === 1) {
    // A grayscale pad stores the colour's luminance (inks are greys already).
    pad.bytes[p] = Math.round(0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]);
  } else {
    pad.bytes[p * 3] = colour[0];
    pad.bytes[p * 3 + 1] = colour[1];
    pad.bytes[p * 3 + 2] = colour[2];
  }
}

/** The colour at (row, col). */
export function pixelAt(pad: PadImage, row: number, col: number): Rgb {
  const p = row * pad.width + col;
  if (pad.channels === 1) return [pad.bytes[p], pad.bytes[p], pad.bytes[p]];
  return [pad.bytes[p * 3], pad.bytes[p * 3 + 1], pad.bytes[p * 3 + 2]];
}

/**
 * Paints a square brush of side `size` at (row, col): size 1 is the pixel,
 * 2 adds the pixels right and below, 3 is centred on it. Off-pad parts are
 * dropped. Returns true when a byte changed.
 */
export function paintAt(pad: PadImage, row: number, col: number, colour: Rgb, size = 1): boolean {
  const before = pad.bytes.slice();
  const from = -Math.floor((size - 1) / 2);
  for (let dy = from; dy < from + size; dy++) {
    for (let dx = from; dx < from + size; dx++) {
      const y = row + dy;
      const x = col + dx;
      if (y >= 0 && y < pad.height && x >= 0 && x < pad.width) setPixel(pad, y * pad.width + x, colour);
    }
  }
  return pad.bytes.some((v, i) => v !== before[i]);
}

/** Paints every pixel on the straight line from one point to another (so a fast stroke has no gaps). */
export function paintLine(pad: PadImage, from: { row: number; col: number }, to: { row: number; col: number }, colour: Rgb, size = 1): void {
  const steps = Math.max(Math.abs(to.row - from.row), Math.abs(to.col - from.col));
  for (let i = 0; i <= steps; i++) {
    const t = steps === 0 ? 0 : i / steps;
    paintAt(pad, Math.round(from.row + (to.row - from.row) * t), Math.round(from.col + (to.col - from.col) * t), colour, size);
  }
}

/** The pad in the model's levels, quantised exactly as dataset images are (src/data/quantise.ts). */
export function toLevels(pad: PadImage, levels: number): Uint8Array {
  return quantiseArray(pad.bytes, levels);
}

/**
 * The pad's background for a dataset: the colour of the first preview
 * image's top-left pixel (black for the digits, white for icons), or black.
 */
export function backgroundFrom(preview: Uint8Array | null, channels: 1 | 3, levels: number): Rgb {
  if (!preview || preview.length < channels) return [0, 0, 0];
  const byte = (level: number) => levelToByte(level, levels);
  if (channels === 1) {
    const v = byte(preview[0]);
    return [v, v, v];
  }
  return [byte(preview[0]), byte(preview[1]), byte(preview[2])];
}
