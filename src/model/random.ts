/**
 * A small seeded generator (mulberry32) so sampling is reproducible from a
 * seed on every backend: the network's logits come from tfjs, the dice from here.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let scratch = new Float64Array(256);

/**
 * Draws a class from logits[offset .. offset+levels) softened by `temperature`.
 * A temperature of 0 means greedy (the most likely level). `uniform` is one
 * draw from [0, 1), so callers control exactly how much randomness is used.
 */
export function sampleCategorical(logits: ArrayLike<number>, offset: number, levels: number, temperature: number, uniform: number): number {
  let best = 0;
  let max = -Infinity;
  for (let v = 0; v < levels; v++) {
    const x = logits[offset + v];
    if (x > max) {
      max = x;
      best = v;
    }
  }
  if (temperature <= 0 || !Number.isFinite(max)) return best;
  let total = 0;
  // One buffer for every draw: a sampler draws count × sub-pixels times, and a new array each time is all garbage.
  if (scratch.length < levels) scratch = new Float64Array(levels);
  const weights = scratch;
  for (let v = 0; v < levels; v++) {
    weights[v] = Math.exp((logits[offset + v] - max) / temperature);
    total += weights[v];
  }
  let threshold = uniform * total;
  for (let v = 0; v < levels; v++) {
    threshold -= weights[v];
    if (threshold < 0) return v;
  }
  return levels - 1;
}
