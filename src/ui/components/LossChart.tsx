import { useId, useMemo } from 'react';
import type { LossPoint, TestLossPoint } from '../store';

/**
 * Bits per dimension against step, drawn as plain SVG. Per-batch losses are
 * noisy, so they are drawn faintly with a smoothed line on top; held-out
 * evaluations are dots, because they are few and each one matters.
 */

interface LossChartProps {
  train: LossPoint[];
  test: TestLossPoint[];
}

interface XY {
  x: number;
  y: number;
}

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { top: 14, right: 16, bottom: 40, left: 52 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** More points than this are averaged into buckets; the plot is only ~500 px wide. */
const MAX_DRAWN_POINTS = 400;

/**
 * A centred moving average whose window grows with the run, so the line
 * stays readable at 50 steps and at 50,000. Centred rather than trailing so
 * the smoothed line does not lag behind the data it summarises.
 */
function smoothed(points: XY[], windowFraction = 0.02): XY[] {
  const half = Math.max(1, Math.round((points.length * windowFraction) / 2));
  const prefix = [0];
  for (const p of points) prefix.push(prefix[prefix.length - 1] + p.y);
  return points.map((p, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(points.length, i + half + 1);
    return { x: p.x, y: (prefix[hi] - prefix[lo]) / (hi - lo) };
  });
}

function bucketed(points: XY[]): XY[] {
  if (points.length <= MAX_DRAWN_POINTS) return points;
  const size = points.length / MAX_DRAWN_POINTS;
  const out: XY[] = [];
  for (let b = 0; b < MAX_DRAWN_POINTS; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    out.push({
      x: slice.reduce((s, p) => s + p.x, 0) / slice.length,
      y: slice.reduce((s, p) => s + p.y, 0) / slice.length,
    });
  }
  return out;
}

/** Round tick values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  const range = max - min || Math.abs(max) || 1;
  const rough = range / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function pathOf(points: XY[], sx: (x: number) => number, sy: (y: number) => number): string {
  return points
    .filter((p) => Number.isFinite(p.y))
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
    .join('');
}

function tickLabel(value: number): string {
  if (Math.abs(value) >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function LossChart({ train, test }: LossChartProps) {
  const chart = useMemo(() => {
    const raw = train.map((p) => ({ x: p.step, y: p.bitsPerDim }));
    const held = test.map((p) => ({ x: p.step, y: p.testBitsPerDim }));
    const rawDrawn = bucketed(raw);
    const smoothDrawn = bucketed(smoothed(raw));
    const [x0, x1] = extent([...raw.map((p) => p.x), ...held.map((p) => p.x)]);
    const xMin = raw.length + held.length > 0 ? x0 : 0;
    const xMax = x1 > xMin ? x1 : xMin + 1;
    const [y0, y1] = extent([...rawDrawn.map((p) => p.y), ...held.map((p) => p.y)]);
    const pad = (y1 - y0) * 0.08 || 0.5;
    const xTicks = niceTicks(xMin, xMax, 5);
    const yTicks = niceTicks(Math.max(0, y0 - pad), y1 + pad, 4);
    const yMin = Math.min(Math.max(0, y0 - pad), yTicks[0] ?? 0);
    const yMax = Math.max(y1 + pad, yTicks.at(-1) ?? 1);
    const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * PLOT_W;
    const sy = (y: number) => MARGIN.top + (1 - (y - yMin) / (yMax - yMin)) * PLOT_H;
    return {
      rawPath: pathOf(rawDrawn, sx, sy),
      smoothPath: pathOf(smoothDrawn, sx, sy),
      heldDots: held.filter((p) => Number.isFinite(p.y)).map((p, i) => ({ cx: sx(p.x), cy: sy(p.y), key: i })),
      heldPath: pathOf(held, sx, sy),
      xTicks: xTicks.filter((t) => t >= xMin && t <= xMax).map((t) => ({ value: t, at: sx(t) })),
      yTicks: yTicks.filter((t) => t >= yMin && t <= yMax).map((t) => ({ value: t, at: sy(t) })),
    };
  }, [train, test]);

  const empty = train.length === 0 && test.length === 0;
  const summaryId = useId();

  return (
    <figure className="loss-chart">
      <svg
        role="img"
        aria-label="Training loss chart"
        aria-describedby={summaryId}
        // Test hooks: how many training points are plotted, and the first and last of them.
        data-train-points={train.length}
        data-train-first={train[0]?.bitsPerDim}
        data-train-last={train.at(-1)?.bitsPerDim}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <g className="chart-grid">
          {chart.yTicks.map((t) => (
            <line key={t.value} x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={t.at} y2={t.at} />
          ))}
        </g>
        <g className="chart-axis">
          <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={MARGIN.top + PLOT_H} />
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={MARGIN.top + PLOT_H} y2={MARGIN.top + PLOT_H} />
          {chart.yTicks.map((t) => (
            <text key={t.value} x={MARGIN.left - 8} y={t.at} textAnchor="end" dominantBaseline="middle">
              {tickLabel(t.value)}
            </text>
          ))}
          {!empty &&
            chart.xTicks.map((t) => (
              <text key={t.value} x={t.at} y={MARGIN.top + PLOT_H + 16} textAnchor="middle">
                {tickLabel(t.value)}
              </text>
            ))}
          <text className="axis-title" x={MARGIN.left + PLOT_W / 2} y={HEIGHT - 4} textAnchor="middle">
            step
          </text>
          <text className="axis-title" transform={`translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)`} textAnchor="middle">
            bits/dim
          </text>
        </g>
        {empty ? (
          <text className="chart-empty" x={MARGIN.left + PLOT_W / 2} y={MARGIN.top + PLOT_H / 2} textAnchor="middle">
            Press Train and watch the loss fall.
          </text>
        ) : (
          <g>
            <path className="line-raw" d={chart.rawPath} />
            <path className="line-smooth" d={chart.smoothPath} />
            <path className="line-held" d={chart.heldPath} />
            {chart.heldDots.map((d) => (
              <circle key={d.key} className="dot-held" cx={d.cx} cy={d.cy} r={3.5} />
            ))}
          </g>
        )}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-item">
          <span className="swatch swatch-raw" aria-hidden="true" /> training, each batch
        </span>
        <span className="legend-item">
          <span className="swatch swatch-smooth" aria-hidden="true" /> training, smoothed
        </span>
        <span className="legend-item">
          <span className="swatch swatch-held" aria-hidden="true" /> held-out images
        </span>
      </figcaption>
      <LossText train={train} test={test} summaryId={summaryId} />
    </figure>
  );
}

/** Rows in the table on demand: every held-out evaluation, and the training losses of the latest steps. */
const TABLE_TRAINING_ROWS = 50;

/**
 * The chart in words: the latest values in a sentence (the chart's
 * description), and the numbers as a table on demand.
 */
function LossText({ train, test, summaryId }: LossChartProps & { summaryId: string }) {
  const latest = train.at(-1);
  const held = test.at(-1);
  const best = test.reduce<TestLossPoint | null>((b, p) => (b === null || p.testBitsPerDim < b.testBitsPerDim ? p : b), null);
  const summary =
    latest === undefined && held === undefined
      ? 'No training yet.'
      : [
          latest ? `Latest training loss ${latest.bitsPerDim.toFixed(3)} bits/dim at step ${latest.step.toLocaleString('en-US')}.` : '',
          held ? `Latest held-out loss ${held.testBitsPerDim.toFixed(3)} bits/dim at step ${held.step.toLocaleString('en-US')}.` : '',
          best && best !== held ? `Best held-out ${best.testBitsPerDim.toFixed(3)} at step ${best.step.toLocaleString('en-US')}.` : '',
        ]
          .filter(Boolean)
          .join(' ');
  const byStep = new Map<number, { train?: number; test?: number }>();
  for (const p of train.slice(-TABLE_TRAINING_ROWS)) byStep.set(p.step, { train: p.bitsPerDim });
  for (const p of test) byStep.set(p.step, { ...byStep.get(p.step), test: p.testBitsPerDim });
  const rows = [...byStep].sort((a, b) => a[0] - b[0]);
  return (
    <div className="loss-text">
      <p id={summaryId} className="muted" data-testid="loss-summary">
        {summary}
      </p>
      {rows.length > 0 && (
        <details className="loss-table">
          <summary>Loss table</summary>
          <table>
            <caption>Bits per dimension by step: every held-out evaluation and the last {TABLE_TRAINING_ROWS} training steps</caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Training</th>
                <th scope="col">Held-out</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([step, values]) => (
                <tr key={step}>
                  <th scope="row">{step.toLocaleString('en-US')}</th>
                  <td>{values.train?.toFixed(3) ?? '—'}</td>
                  <td>{values.test?.toFixed(3) ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
