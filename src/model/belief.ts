/**
 * What the model believes about one sub-pixel, from its logits: the
 * distribution a level is drawn from at a temperature, and how spread out it
 * is. Plain arithmetic, no tfjs, so the worker and tests share it.
 */

/**
 * softmax(logits[offset .. offset+levels) / temperature), the distribution
 * `sampleCategorical` draws from; a temperature of 0 puts all the mass on
 * the most likely level, as greedy sampling does.
 */
export function levelProbabilities(
  logits: ArrayLike<number>,
  offset: number,
  levels: number,
  temperature: number,
  out = new Float32Array(levels),
): Float32Array {
  let best = 0;
  let max = -Infinity;
  for (let v = 0; v < levels; v++) {
    const x = logits[offset + v];
    if (x > max) {
      max = x;
      best = v;
    }
  }
  if (temperature <= 0 || !Number.isFinite(max)) {
    out.fill(0);
    out[best] = 1;
    return out;
  }
  let total = 0;
  for (let v = 0; v < levels; v++) {
    out[v] = Math.exp((logits[offset + v] - max) / temperature);
    total += out[v];
  }
  for (let v = 0; v < levels; v++) out[v] /= total;
  return out;
}

/** Entropy of a distribution in bits: 0 for a certain level, log2(levels) for a uniform one. */
export function entropyBits(probabilities: ArrayLike<number>, offset = 0, levels = probabilities.length - offset): number {
  let bits = 0;
  for (let v = 0; v < levels; v++) {
    const p = probabilities[offset + v];
    if (p > 0) bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * The distributions the sub-pixels of one pixel were drawn from: `channels`
 * of them (R, G, B, or one grey), those not yet drawn left out.
 */
export interface PixelBelief {
  /** Which image of its batch or set. */
  image: number;
  row: number;
  col: number;
  levels: number;
  /** Colour channels of the model (1 or 3). */
  channels: number;
  /** The temperature the distributions are taken at (1 for data the model did not draw). */
  temperature: number;
  /** The guidance weight of the logits (1 when unguided): the distributions are the guided ones the levels were drawn from. */
  guidance?: number;
  /** Sub-pixels of this pixel with a distribution: 1..channels, in the order R, G, B. */
  known: number;
  /** known × levels probabilities, channel-major. */
  probabilities: Float32Array;
  /** The level each known sub-pixel holds (was drawn). */
  values: number[];
  /** Entropy of each known sub-pixel's distribution, in bits. */
  entropyBits: number[];
}

/** A PixelBelief from `known` rows of logits (known × levels, row c starting at c·levels). */
export function pixelBelief(
  logits: ArrayLike<number>,
  at: { image: number; row: number; col: number; channels: number; levels: number; temperature: number; guidance?: number; known: number },
  values: ArrayLike<number>,
): PixelBelief {
  const { levels, known, temperature } = at;
  const probabilities = new Float32Array(known * levels);
  const entropy: number[] = [];
  for (let c = 0; c < known; c++) {
    levelProbabilities(logits, c * levels, levels, temperature, probabilities.subarray(c * levels, (c + 1) * levels));
    entropy.push(entropyBits(probabilities, c * levels, levels));
  }
  return { ...at, probabilities, values: Array.from(values).slice(0, known), entropyBits: entropy };
}
