import { useEffect, useRef } from 'react';
import { paintNotDrawn, sampleChannel, type SampleFrame } from '../sampleChannel';
import { gridLayout, paintStackAsGrid, type GridLayout } from '../pixelGrid';
import { useStudio } from '../store';
import { useSamplePicking } from './inspect/samplePicking';

/**
 * The samples as they are drawn. Pixels come from sampleChannel, not React
 * state; this component repaints at most once per animation frame however
 * fast they arrive.
 */

const TARGET_WIDTH = 640;
/** A grid of many rows (one per class) is scaled down to stay on screen. */
const MAX_HEIGHT = 1000;
/** Shown at most this wide on the page (CSS pixels); a narrower grid is shown at the same ratio, not stretched. */
const SHOWN_WIDTH = 560;
/** Canvas pixels under each image for its class name. */
const CAPTION_HEIGHT = 18;
const GAP = 8;

/** The grid the canvas draws: near-square, or `columns` wide; with room for captions when there are any. */
export function sampleLayout(count: number, width: number, height: number, columns: number | null, captioned: boolean): GridLayout {
  return gridLayout(count, width, height, TARGET_WIDTH, columns ?? Math.ceil(Math.sqrt(count)), GAP, {
    captionHeight: captioned ? CAPTION_HEIGHT : 0,
    maxHeight: MAX_HEIGHT,
  });
}
const MARKER_COLOUR = '#ffd166';
/** In colour, the marker takes the colour of the channel being drawn and names it. */
const CHANNEL_MARKERS = [
  { name: 'R', colour: '#ff5a5a' },
  { name: 'G', colour: '#3ddc84' },
  { name: 'B', colour: '#5aa2ff' },
] as const;
const GIVEN_LINE_COLOUR = '#7be0b0';

interface Placeholder {
  count: number;
  width: number;
  height: number;
}

/** Nothing sampled yet: an empty grid in the "not yet drawn" colour, shaped like the next run. */
function placeholderFrame({ count, width, height }: Placeholder): SampleFrame {
  const rgba = new Uint8ClampedArray(count * width * height * 4);
  paintNotDrawn(rgba, width, count * height);
  return { count, width, height, channels: 1, levels: 2, rgba, drawn: 0, prefixLength: 0, columns: null, captions: null };
}

function paint(canvas: HTMLCanvasElement, scratch: HTMLCanvasElement, frame: SampleFrame, showMarker: boolean): void {
  const { count, width, height, channels } = frame;
  const layout = sampleLayout(count, width, height, frame.columns, frame.captions !== null);
  if (canvas.width !== layout.canvasWidth || canvas.height !== layout.canvasHeight) {
    canvas.width = layout.canvasWidth;
    canvas.height = layout.canvasHeight;
  }
  if (scratch.width !== width || scratch.height !== count * height) {
    scratch.width = width;
    scratch.height = count * height;
  }
  scratch.getContext('2d')?.putImageData(new ImageData(frame.rgba, width, count * height), 0, 0);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  paintStackAsGrid(ctx, scratch, count, width, height, layout);

  markGivenPart(ctx, frame, layout);

  const pixel = Math.floor(frame.drawn / channels);
  // What the marker shows, for assistive tools and tests: the pixel being drawn and, in colour, its channel.
  const drawing = showMarker && pixel < width * height;
  canvas.dataset.pixel = drawing ? String(pixel) : '';
  canvas.dataset.channel = drawing && channels === 3 ? 'RGB'[frame.drawn % 3] : '';
  canvas.dataset.scale = String(layout.scale);
  if (!drawing) return;
  const row = Math.floor(pixel / width);
  const col = pixel % width;
  const s = layout.scale;
  const line = Math.max(1, Math.min(3, Math.round(s / 4)));
  const channel = channels === 3 ? CHANNEL_MARKERS[frame.drawn % 3] : null;
  ctx.strokeStyle = channel?.colour ?? MARKER_COLOUR;
  ctx.lineWidth = line;
  const tag = Math.max(10, Math.min(14, s + 2));
  for (let i = 0; i < count; i++) {
    const { x, y } = layout.origin(i);
    // Outset so the box frames the pixel instead of covering it.
    ctx.strokeRect(x + col * s - line / 2, y + row * s - line / 2, s + line, s + line);
    if (!channel) continue;
    // The channel's letter on a tag beside the box: inside the image, on the side with room.
    const left = col + 1 < width ? x + (col + 1) * s + line : x + col * s - tag - line;
    const top = y + row * s;
    ctx.fillStyle = channel.colour;
    ctx.fillRect(left, top, tag, tag);
    ctx.fillStyle = '#0b1020';
    ctx.font = `bold ${tag - 2}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(channel.name, left + tag / 2, top + tag / 2 + 1);
  }
}

/** In a completion, a dashed line under the rows that were given rather than drawn. */
function markGivenPart(ctx: CanvasRenderingContext2D, frame: SampleFrame, layout: GridLayout): void {
  const givenRows = Math.floor(frame.prefixLength / (frame.width * frame.channels));
  if (givenRows === 0) return;
  const s = layout.scale;
  ctx.save();
  ctx.strokeStyle = GIVEN_LINE_COLOUR;
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 4]);
  for (let i = 0; i < frame.count; i++) {
    const { x, y } = layout.origin(i);
    ctx.beginPath();
    ctx.moveTo(x, y + givenRows * s);
    ctx.lineTo(x + frame.width * s, y + givenRows * s);
    ctx.stroke();
  }
  ctx.restore();
}

export function SampleCanvas() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const picking = useSamplePicking(canvasRef, sampleLayout);
  const running = useStudio((s) => s.sampling.running);
  const captions = useStudio((s) => s.sampling.captions);
  const columns = useStudio((s) => s.sampling.columns);
  const count = useStudio((s) => s.sampleSettings.count);
  const width = useStudio((s) => s.model?.config.width ?? 28);
  const height = useStudio((s) => s.model?.config.height ?? 28);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const scratch = document.createElement('canvas');
    let frameRequest = 0;
    const repaint = () => {
      frameRequest = 0;
      const frame = sampleChannel.current() ?? placeholderFrame({ count: Math.max(1, count), width, height });
      paint(canvas, scratch, frame, running);
    };
    const schedule = () => {
      if (!frameRequest) frameRequest = requestAnimationFrame(repaint);
    };
    repaint();
    const unsubscribe = sampleChannel.subscribe(schedule);
    return () => {
      unsubscribe();
      if (frameRequest) cancelAnimationFrame(frameRequest);
    };
  }, [running, count, width, height]);

  const canvas = (
    <canvas
      ref={canvasRef}
      className="pixel-canvas sample-canvas"
      aria-label="Samples"
      aria-description={
        running
          ? 'Click an image, or press [ and ], to follow it in the belief chart.'
          : 'Click or hover a pixel, or use the arrow keys, to see what the model believed there and what it could see; [ and ] change image.'
      }
      role="img"
      {...picking}
    />
  );
  if (!captions) return canvas;
  const shownWidth = (sampleLayout(captions.length, width, height, columns, true).canvasWidth * SHOWN_WIDTH) / TARGET_WIDTH;
  return (
    <div className="sample-grid" style={{ width: `${Math.round(shownWidth)}px` }}>
      {canvas}
      <SampleCaptions captions={captions} columns={columns} width={width} height={height} />
    </div>
  );
}

/** Each image's class name, under the image, placed by the layout the canvas is drawn with. */
function SampleCaptions({ captions, columns, width, height }: { captions: string[]; columns: number | null; width: number; height: number }) {
  const layout = sampleLayout(captions.length, width, height, columns, true);
  const percent = (value: number, of: number) => `${(100 * value) / of}%`;
  return (
    <ol className="sample-captions" aria-label="Class of each sample">
      {captions.map((caption, i) => {
        const { x, y } = layout.origin(i);
        return (
          <li
            key={i}
            style={{
              left: percent(x, layout.canvasWidth),
              top: percent(y + height * layout.scale, layout.canvasHeight),
              width: percent(width * layout.scale, layout.canvasWidth),
              height: percent(layout.captionHeight, layout.canvasHeight),
            }}
          >
            {caption}
          </li>
        );
      })}
    </ol>
  );
}
