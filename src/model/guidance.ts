import { type PixelCNNConfig, hasNoClassRow } from './config';

/**
 * Classifier-free guidance settings, tfjs-free (the page and the worker
 * entry read them). The sampling itself is in sampling.ts.
 */

/**
 * The weight a model with a "no class" row samples with when its file
 * records none, and what a model trained in the app records: on the digits
 * run's checkpoints it already gave most of what guidance buys in class
 * fidelity before strokes broke more often, and a model trained here for
 * minutes is less sure than the shipped one, which records its own weight
 * (README, "Guidance", has the figures).
 */
export const DEFAULT_GUIDANCE = 2;

/** The largest weight the app offers: far above it, samples collapse into a few over-inked shapes. */
export const MAX_GUIDANCE = 10;

/**
 * Guidance above 1 fades out over the bottom rows: the full weight down to
 * GUIDANCE_FADE_FROM of the image's height (as a fraction of the rows,
 * row / (H − 1)), then linearly down to 1 (the plain conditional model) at
 * GUIDANCE_FADE_TO and below. By then a digit's class is settled by what is
 * drawn above, and full guidance there mostly pushes ink toward the bottom
 * edge (README, "Guidance", has the measurement).
 */
export const GUIDANCE_FADE_FROM = 0.75;
export const GUIDANCE_FADE_TO = 0.95;

/** The weight used at image row `row` of `height` for a run at weight `w`: w itself at or below 1, else faded over the bottom rows. */
export function guidanceAtRow(w: number, row: number, height: number): number {
  if (w <= 1) return w;
  const f = height > 1 ? row / (height - 1) : 0;
  if (f <= GUIDANCE_FADE_FROM) return w;
  if (f >= GUIDANCE_FADE_TO) return 1;
  return 1 + ((w - 1) * (GUIDANCE_FADE_TO - f)) / (GUIDANCE_FADE_TO - GUIDANCE_FADE_FROM);
}

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
