import { useEffect, useRef } from 'react';
import type { PixelBelief } from '../../../worker/inspectProtocol';
import { useInspect } from './inspectStore';

/**
 * The distribution a sub-pixel was drawn from, as bars over its levels
 * (dark to light), with the drawn level marked and the entropy in bits. A
 * colour pixel shows R, G and B side by side; a sub-pixel not drawn yet is an
 * empty frame.
 */

const CHANNEL_NAMES = ['R', 'G', 'B'];
const CHANNEL_COLOURS = ['#ff7b7b', '#6fdc8c', '#7fb2ff'];
const GRAY_COLOUR = '#a9c7ff';
const DRAWN_COLOUR = '#ffd166';
const CHART_WIDTH = 512;
const CHART_HEIGHT = 84;

export function channelName(channel: number, channels: number): string {
  return channels === 1 ? 'grey level' : CHANNEL_NAMES[channel];
}

/** On the log scale, probabilities from this floor up to 1 fill the chart's height. */
const LOG_FLOOR = 1e-4;

function paintChart(canvas: HTMLCanvasElement, probabilities: Float32Array | null, levels: number, drawn: number | null, colour: string, log: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#10182b';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!probabilities) return;
  const top = 10;
  const usable = canvas.height - top - 1;
  let max = 0;
  for (let v = 0; v < levels; v++) max = Math.max(max, probabilities[v]);
  const barWidth = canvas.width / levels;
  // At least 3 canvas pixels wide, so a sharp peak on level 0 or 255 stays visible at the edge.
  const drawnWidth = Math.max(3, barWidth - (barWidth > 4 ? 1 : 0));
  ctx.fillStyle = colour;
  for (let v = 0; v < levels; v++) {
    const p = probabilities[v];
    const h = log ? (Math.max(0, Math.log10(p / LOG_FLOOR)) / -Math.log10(LOG_FLOOR)) * usable : max > 0 ? (p / max) * usable : 0;
    if (h > 0.5) {
      const x = Math.min(canvas.width - drawnWidth, Math.max(0, (v + 0.5) * barWidth - drawnWidth / 2));
      ctx.fillRect(x, canvas.height - 1 - h, drawnWidth, h);
    }
  }
  if (drawn !== null) {
    const x = Math.min(canvas.width - 5, Math.max(5, (drawn + 0.5) * barWidth));
    ctx.strokeStyle = DRAWN_COLOUR;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, canvas.height);
    ctx.stroke();
    ctx.fillStyle = DRAWN_COLOUR;
    ctx.beginPath();
    ctx.moveTo(x - 5, 0);
    ctx.lineTo(x + 5, 0);
    ctx.lineTo(x, top);
    ctx.closePath();
    ctx.fill();
  }
}

function mostLikely(probabilities: Float32Array, levels: number): number {
  let best = 0;
  for (let v = 1; v < levels; v++) if (probabilities[v] > probabilities[best]) best = v;
  return best;
}

const percent = (p: number) => (p >= 0.995 ? '100%' : p >= 0.01 ? `${Math.round(p * 100)}%` : p > 0 ? '<1%' : '0%');

/** One sub-pixel's distribution. `channel` says which colour; `probabilities` is null while it is not drawn. */
function SubPixelChart({ belief, channel }: { belief: PixelBelief; channel: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { levels, channels } = belief;
  const known = channel < belief.known;
  const probabilities = known ? belief.probabilities.subarray(channel * levels, (channel + 1) * levels) : null;
  const drawn = known ? belief.values[channel] : null;
  const log = useInspect((s) => s.logScale);
  useEffect(() => {
    if (ref.current) paintChart(ref.current, probabilities, levels, drawn, channels === 1 ? GRAY_COLOUR : CHANNEL_COLOURS[channel], log);
  });
  const name = channelName(channel, channels);
  let label: string;
  let caption: string;
  if (!probabilities || drawn === null) {
    label = `${name}: not drawn yet`;
    caption = 'not drawn yet';
  } else {
    const best = mostLikely(probabilities, levels);
    const entropy = belief.entropyBits[channel];
    caption = `drawn ${drawn} (${percent(probabilities[drawn])}) · likeliest ${best} (${percent(probabilities[best])}) · ${entropy.toFixed(2)} bits`;
    label = `${name}: drawn level ${drawn} of 0 to ${levels - 1}, which had probability ${percent(probabilities[drawn])}; the likeliest level was ${best} at ${percent(probabilities[best])}; entropy ${entropy.toFixed(2)} bits`;
  }
  return (
    <figure className="belief-chart" data-testid="belief-chart">
      <canvas
        ref={ref}
        width={CHART_WIDTH}
        height={CHART_HEIGHT}
        role="img"
        aria-label={label}
        data-entropy={known ? belief.entropyBits[channel].toFixed(4) : ''}
      />
      <figcaption>
        <span className="belief-channel" style={{ color: channels === 1 ? GRAY_COLOUR : CHANNEL_COLOURS[channel] }}>
          {channels === 1 ? 'Level' : name}
        </span>{' '}
        <span className="belief-numbers">{caption}</span>
      </figcaption>
    </figure>
  );
}

/** The distributions of one pixel's sub-pixels, side by side. */
export function PixelBeliefView({ belief, title }: { belief: PixelBelief; title: string }) {
  const logScale = useInspect((s) => s.logScale);
  return (
    <div className="belief-view" role="group" aria-label={title}>
      <p className="belief-title">
        {title}
        {belief.guidance !== undefined && belief.guidance !== 1 && <span className="muted"> · guided, weight {belief.guidance.toFixed(2)}</span>}
        {belief.temperature !== 1 && <span className="muted"> · at temperature {belief.temperature.toFixed(2)}</span>}
      </p>
      <div className="belief-charts">
        {Array.from({ length: belief.channels }, (_, c) => (
          <SubPixelChart key={c} belief={belief} channel={c} />
        ))}
      </div>
      <label className="checkbox-field belief-scale">
        <input type="checkbox" checked={logScale} onChange={(e) => useInspect.setState({ logScale: e.currentTarget.checked })} />
        <span>Log scale (shows the tail: 100% at the top, 0.01% at the bottom)</span>
      </label>
      <p className="belief-axis muted" aria-hidden="true">
        <span>0 ({belief.channels === 1 ? 'black' : 'none'})</span>
        <span>
          <span className="swatch swatch-marker" /> drawn
        </span>
        <span>
          {belief.levels - 1} ({belief.channels === 1 ? 'white' : 'full'})
        </span>
      </p>
    </div>
  );
}
