import { describe, expect, it } from 'vitest';
import { DivergenceWatch, SMOOTHING_STEPS } from './divergence';

/** Feeds training losses until the watch fires; returns the step (1-based) it fired at, or null. */
function firstFiring(watch: DivergenceWatch, losses: number[]): number | null {
  for (let i = 0; i < losses.length; i++) if (watch.addTraining(losses[i])) return i + 1;
  return null;
}

describe('the divergence guard', () => {
  it('fires on a training loss that explodes while staying finite, within a few steps of the blow-up', () => {
    // A trained model near 0.94 bits/dim, then a learning rate of 1: the loss grows ×3 a step, never NaN.
    const healthy = Array.from({ length: 40 }, (_, i) => 0.94 + 0.05 * Math.sin(i));
    const exploding = Array.from({ length: 30 }, (_, i) => 0.94 * 3 ** (i + 1));
    const watch = new DivergenceWatch(256);
    const fired = firstFiring(watch, [...healthy, ...exploding]);
    expect(fired).not.toBeNull();
    // The median needs a majority of the window to have exploded: three steps in.
    expect(fired! - healthy.length).toBeLessThanOrEqual(Math.ceil(SMOOTHING_STEPS / 2));
    const explosion = new DivergenceWatch(256);
    for (const bits of healthy) explosion.addTraining(bits);
    let seen = null;
    for (const bits of exploding) if ((seen = explosion.addTraining(bits))) break;
    expect(seen!.signal).toBe('training');
    expect(seen!.best).toBeLessThan(1);
    expect(seen!.message).toMatch(/training loss exploded: [\d,.]+ bits\/dim over the last 5 steps, against a best of 0\.\d{3}/);
  });

  it('ignores one wild batch, ordinary noise, and a fresh model that starts high and learns', () => {
    const watch = new DivergenceWatch(256);
    const noisy = Array.from({ length: 200 }, (_, i) => 1 + 0.1 * Math.sin(i * 1.7));
    noisy[100] = 500; // one batch, however bad, is outvoted by the median
    expect(firstFiring(watch, noisy)).toBeNull();
    // Random weights can score above log2(levels) + 1 = 9 at first; falling from there is learning, not diverging.
    const fresh = new DivergenceWatch(256);
    expect(
      firstFiring(
        fresh,
        Array.from({ length: 100 }, (_, i) => 11 - i * 0.05),
      ),
    ).toBeNull();
  });

  it('fires above log2(levels) + 1 once the model has been below it, even when that is not twice the best', () => {
    const watch = new DivergenceWatch(16); // ceiling 5 bits
    const losses = [...Array.from({ length: 10 }, () => 4.5), ...Array.from({ length: 10 }, () => 5.6)];
    // 5.6 is more than a bit above 4.5 but not twice it: only the ceiling rule can fire, once the median reaches 5.6.
    const fired = firstFiring(watch, losses);
    expect(fired).toBe(13);
  });

  it('with a held-out score from before the run, fires as soon as the first median has exploded', () => {
    // A learning rate of 1000 wrecks the weights on the first step: no training median was ever good.
    const watch = new DivergenceWatch(4);
    expect(watch.addHeldOut(1.9)).toBeNull();
    const losses = [1.9, 400, 900, 1700, 3000, 5000];
    expect(firstFiring(watch, losses)).toBe(5);
    const blind = new DivergenceWatch(4);
    expect(firstFiring(blind, losses)).toBeNull();
  });

  it('fires on a held-out loss far above its best, and forgets its bests on reset', () => {
    const watch = new DivergenceWatch(256);
    expect(watch.addHeldOut(0.95)).toBeNull();
    expect(watch.addHeldOut(0.93)).toBeNull();
    expect(watch.addHeldOut(1.5)).toBeNull(); // worse, but not far above
    const explosion = watch.addHeldOut(442_573);
    expect(explosion?.signal).toBe('held-out');
    expect(explosion?.message).toBe('the held-out loss exploded: 442,573 bits/dim, against a best of 0.930');
    watch.reset();
    expect(watch.addHeldOut(5)).toBeNull();
  });
});
