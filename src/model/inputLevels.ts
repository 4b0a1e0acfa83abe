/** The samplers' level-to-input mapping outside tensors (no tfjs); pixels.ts holds the tensor side. */

/**
 * Writes sub-pixel `at` (its index in [count, H, W, C] order; colour
 * `channel`) of a sampler's network-input cache: its E embedding values at
 * at·E (the layout `embedLevels` produces), or its scaled level at `at`.
 */
export function writeInputLevel(
  input: Float32Array,
  at: number,
  channel: number,
  level: number,
  levels: number,
  embedding: Float32Array | null,
  size: number,
): void {
  if (embedding) {
    const row = (channel * levels + level) * size;
    input.set(embedding.subarray(row, row + size), at * size);
  } else {
    input[at] = levelToInput(level, levels);
  }
}

/** The same mapping for one value, for code that works outside tensors. */
export function levelToInput(level: number, levels: number): number {
  return (level * 2) / (levels - 1) - 1;
}
