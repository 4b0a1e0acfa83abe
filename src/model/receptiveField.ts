import * as tf from '@tensorflow/tfjs';

/**
 * Measures which input sub-pixels each output's logits actually depend on,
 * by perturbation: one batch holds a base image and, for every sub-pixel, a
 * copy with only that sub-pixel changed. Where a copy's logits differ from
 * the base's, the output depends on the changed input.
 *
 * This is the ground truth the causality tests compare against generation
 * order, and it needs nothing from the model but its logits function.
 */
export interface DependencyMap {
  /** Sub-pixels per image, H·W·C, indexed in generation order. */
  size: number;
  /** dependsOn(out, input): the logits of sub-pixel `out` changed when `input` changed. */
  dependsOn(out: number, input: number): boolean;
}

export async function measureDependencies(
  logits: (images: tf.Tensor4D) => tf.Tensor5D,
  shape: { height: number; width: number; channels: number; levels: number },
  options: { seed?: number; trials?: number; tolerance?: number } = {},
): Promise<DependencyMap> {
  const { seed = 7, trials = 3, tolerance = 1e-6 } = options;
  const size = shape.height * shape.width * shape.channels;
  // A ReLU that is off at one base image hides a real dependence; the union
  // over several random base images sees through that.
  const changed = new Uint8Array(size * size);
  for (let trial = 0; trial < trials; trial++) {
    await accumulateChanges(logits, shape, seed + trial * 7919, tolerance, changed);
  }
  return { size, dependsOn: (out, input) => changed[out * size + input] === 1 };
}

async function accumulateChanges(
  logits: (images: tf.Tensor4D) => tf.Tensor5D,
  shape: { height: number; width: number; channels: number; levels: number },
  seed: number,
  tolerance: number,
  changed: Uint8Array,
): Promise<void> {
  const { height, width, channels, levels } = shape;
  const size = height * width * channels;
  const base = new Int32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    base[i] = (state >>> 8) % levels;
  }
  const batch = new Int32Array((size + 1) * size);
  for (let copy = 0; copy <= size; copy++) batch.set(base, copy * size);
  for (let input = 0; input < size; input++) {
    const at = (input + 1) * size + input;
    // Move the value as far as possible, so the change cannot vanish in rounding.
    batch[at] = base[input] < levels / 2 ? levels - 1 : 0;
  }
  const output = tf.tidy(() => logits(tf.tensor4d(batch, [size + 1, height, width, channels], 'int32')));
  const values = await output.data();
  output.dispose();

  for (let input = 0; input < size; input++) {
    const copyOffset = (input + 1) * size * levels;
    for (let out = 0; out < size; out++) {
      for (let v = 0; v < levels; v++) {
        const a = values[out * levels + v];
        const b = values[copyOffset + out * levels + v];
        if (Math.abs(a - b) > tolerance * (1 + Math.abs(a))) {
          changed[out * size + input] = 1;
          break;
        }
      }
    }
  }
}

/** Pairs (out, input) where an output depends on itself or a later sub-pixel. */
export function findLeaks(map: DependencyMap): Array<{ out: number; input: number }> {
  const leaks: Array<{ out: number; input: number }> = [];
  for (let out = 0; out < map.size; out++) {
    for (let input = out; input < map.size; input++) {
      if (map.dependsOn(out, input)) leaks.push({ out, input });
    }
  }
  return leaks;
}
