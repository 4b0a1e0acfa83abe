import type { Progress } from './run';

/** "1h 02m", "12m 05s", "42s": coarse enough to read at a glance. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** One line: a bar, the step, the losses, and the time spent and left. */
export function formatProgress(p: Progress, barWidth = 24): string {
  const done = Math.round((barWidth * p.step) / Math.max(1, p.steps));
  const bar = '█'.repeat(done) + '░'.repeat(barWidth - done);
  const heldOut = p.heldOutBits === undefined ? '' : ` · held-out ${p.heldOutBits.toFixed(3)}`;
  return (
    `[${bar}] step ${p.step}/${p.steps} · ${p.trainBits.toFixed(3)} bits/dim${heldOut} · ` +
    `lr ${p.learningRate.toExponential(1)} · ${formatDuration(p.elapsedSeconds)} spent · ${formatDuration(p.secondsLeft)} left`
  );
}
