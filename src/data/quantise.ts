/**
 * Intensity quantisation between the 0..255 byte scale and the model's
 * `levels` classes. Level k stands for the byte value k·255/(levels−1), so
 * level 0 is black, the top level is white, and levels are evenly spaced.
 * A value goes to the nearest level, which makes levels = 256 the identity
 * on whole bytes and makes byte → level → byte → level a round trip.
 */

export const MIN_LEVELS = 2;
export const MAX_LEVELS = 256;

export function checkLevels(levels: number): void {
  if (!Number.isInteger(levels) || levels < MIN_LEVELS || levels > MAX_LEVELS) {
    throw new RangeError(`levels must be an integer from ${MIN_LEVELS} to ${MAX_LEVELS}, got ${levels}.`);
  }
}

/**
 * The level nearest to an intensity on the 0..255 scale (clamped; NaN → 0).
 * Multiplying before dividing keeps whole-byte inputs exact, so there is no
 * 0.49999 drift at the rounding boundaries.
 */
export function quantise(value: number, levels: number): number {
  if (!(value > 0)) return 0;
  if (value >= 255) return levels - 1;
  return Math.round((value * (levels - 1)) / 255);
}

/** Quantises a whole image (any layout) into `out`, or a new array. */
export function quantiseArray(values: ArrayLike<number>, levels: number, out?: Uint8Array): Uint8Array {
  checkLevels(levels);
  const result = out ?? new Uint8Array(values.length);
  if (result.length < values.length) {
    throw new RangeError(`Output holds ${result.length} values; ${values.length} are needed.`);
  }
  if (values instanceof Uint8Array || values instanceof Uint8ClampedArray) {
    // Whole bytes: one look-up per value instead of the arithmetic (the built-in digits are 7.8 million bytes).
    if (levels === MAX_LEVELS) {
      result.set(values);
      return result;
    }
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) table[v] = quantise(v, levels);
    for (let i = 0; i < values.length; i++) result[i] = table[values[i]];
    return result;
  }
  for (let i = 0; i < values.length; i++) result[i] = quantise(values[i], levels);
  return result;
}

/** The byte (0..255) a level is displayed as: the inverse of `quantise`. */
export function levelToByte(level: number, levels: number): number {
  if (!(level > 0)) return 0;
  if (level >= levels - 1) return 255;
  return Math.round((level * 255) / (levels - 1));
}

/** A 256-entry-or-smaller lookup table level → byte, for fast display of many pixels. */
export function levelToByteTable(levels: number): Uint8Array {
  checkLevels(levels);
  const table = new Uint8Array(levels);
  for (let k = 0; k < levels; k++) table[k] = levelToByte(k, levels);
  return table;
}
