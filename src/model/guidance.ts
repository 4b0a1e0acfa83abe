import { type PixelCNNConfig, hasNoClassRow } from './config';

/**
 * Classifier-free guidance settings, tfjs-free (the page and the worker
 * entry read them). The sampling itself is in sampling.ts.
 */

/**
 * The weight a model with a "no class" row samples with when its file
 * records none, and what a model trained in the app records. Chosen by
 * `npm run eval`'s guidance table on the shipped digits model (README).
 */
export const DEFAULT_GUIDANCE = 2;

/** The largest weight the app offers: far above it, samples collapse into a few over-inked shapes. */
export const MAX_GUIDANCE = 10;

/** Null when the model can be sampled with guidance, else why not, as a sentence for the Sampling panel. */
export function guidanceUnavailable(config: PixelCNNConfig): string | null {
  if (config.classes === 0) return 'Guidance needs a model conditioned on classes; this one is unconditional.';
  if (!hasNoClassRow(config)) {
    return 'Guidance needs a model trained with label dropout, which learns a "no class" row beside its classes; this model has none. Rebuild it with label dropout above 0 in the Model panel and train it.';
  }
  return null;
}

/**
 * The weight a model samples with until the user picks another: the one its
 * file records (meta.guidance, read and checked by readModelMeta), else the
 * app's default; 1 (plain conditional sampling) for a model that cannot be
 * guided.
 */
export function modelGuidance(config: PixelCNNConfig, recorded: number | undefined): number {
  if (guidanceUnavailable(config)) return 1;
  return recorded ?? DEFAULT_GUIDANCE;
}

/**
 * The weight a sampling run uses: the one asked for, else the model's
 * default. A model that cannot be guided samples at 1, and `dropped` then
 * says why an asked weight other than 1 was not used.
 */
export function runGuidance(config: PixelCNNConfig, modelDefault: number, asked: number | undefined): { guidance: number; dropped: string | null } {
  const unavailable = guidanceUnavailable(config);
  if (!unavailable) return { guidance: asked ?? modelDefault, dropped: null };
  const dropped = asked !== undefined && asked !== 1 ? `Guidance ${asked} was not used, so the grid is drawn without it. ${unavailable}` : null;
  return { guidance: 1, dropped };
}
