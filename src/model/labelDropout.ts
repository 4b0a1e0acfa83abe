import type { Random } from './random';

/**
 * Label dropout, for classifier-free guidance: `labels` with each replaced
 * by `noClass` (the "no class" label, = classes) with probability
 * `probability`, one draw of `random` per label in order. A probability of 0
 * keeps every label and draws nothing.
 */
export function dropLabelsWith(labels: ArrayLike<number>, probability: number, noClass: number, random: Random): Int32Array {
  const out = Int32Array.from(labels);
  if (!(probability > 0)) return out;
  for (let i = 0; i < out.length; i++) if (random() < probability) out[i] = noClass;
  return out;
}
