/**
 * Notices a loss that explodes while staying finite (a learning rate far too
 * high turns the weights into noise long before anything becomes NaN).
 *
 * It watches two signals:
 * - the training bits/dim, smoothed as the median of the last few steps, so
 *   one unlucky batch cannot trip it;
 * - the held-out bits/dim of each evaluation.
 *
 * Either one "explodes" when it rises far above the best either has reached
 * in this watch (twice the best and at least one bit more), or, for the
 * training loss, above log2(levels) + 1 bits: a bit worse than a model that
 * knows nothing and guesses every level as equally likely. A fresh random
 * model may start above that line, so that rule applies only once a loss has
 * been below it. A held-out score taken before a run starts makes both rules
 * apply from the run's first steps.
 */

/** Steps in the training median. */
export const SMOOTHING_STEPS = 5;

export interface Explosion {
  /** Which signal exploded. */
  signal: 'training' | 'held-out';
  /** The value that exploded (the median for training), and the best before it. */
  value: number;
  best: number;
  /** One sentence naming the numbers. */
  message: string;
}

export class DivergenceWatch {
  private recent: number[] = [];
  private bestSmoothed = Number.POSITIVE_INFINITY;
  private bestHeldOut = Number.POSITIVE_INFINITY;
  private readonly ceiling: number;

  /** `levels`: the model's levels per sub-pixel. */
  constructor(levels: number) {
    this.ceiling = Math.log2(levels) + 1;
  }

  /** Forgets what it has seen (new weights: a restore, a new model). */
  reset(): void {
    this.recent = [];
    this.bestSmoothed = Number.POSITIVE_INFINITY;
    this.bestHeldOut = Number.POSITIVE_INFINITY;
  }

  /** Takes one training step's bits/dim; returns the explosion it shows, or null. */
  addTraining(bits: number): Explosion | null {
    this.recent.push(bits);
    if (this.recent.length > SMOOTHING_STEPS) this.recent.shift();
    if (this.recent.length < SMOOTHING_STEPS) return null;
    const smoothed = median(this.recent);
    const best = Math.min(this.bestSmoothed, this.bestHeldOut);
    if (farAbove(smoothed, best) || (best <= this.ceiling && smoothed > this.ceiling)) {
      return {
        signal: 'training',
        value: smoothed,
        best,
        message:
          `the training loss exploded: ${format(smoothed)} bits/dim over the last ${SMOOTHING_STEPS} steps, ` +
          `against a best of ${format(best)}` +
          (smoothed > this.ceiling ? ` (a model that knows nothing scores ${format(this.ceiling - 1)})` : ''),
      };
    }
    this.bestSmoothed = Math.min(this.bestSmoothed, smoothed);
    return null;
  }

  /** Takes one held-out evaluation; returns the explosion it shows, or null. */
  addHeldOut(bits: number): Explosion | null {
    const best = this.bestHeldOut;
    if (farAbove(bits, best)) {
      return {
        signal: 'held-out',
        value: bits,
        best,
        message: `the held-out loss exploded: ${format(bits)} bits/dim, against a best of ${format(best)}`,
      };
    }
    this.bestHeldOut = Math.min(best, bits);
    return null;
  }
}

/** Twice the best and a whole bit more: ordinary noise (a few hundredths) never gets there. */
function farAbove(value: number, best: number): boolean {
  return Number.isFinite(best) && value > 2 * best && value > best + 1;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function format(bits: number): string {
  return bits >= 1000 ? Math.round(bits).toLocaleString('en-US') : bits.toFixed(3);
}
