import { type KeyboardEvent, type MouseEvent, useEffect, useRef } from 'react';
import type { FieldMap, Inspection, InspectTarget, PixelPosition } from '../../../worker/inspectProtocol';
import { PixelBeliefView, channelName } from './BeliefChart';
import { choosePixel, hoverPixel, setOverlay } from './inspectActions';
import { type Overlay, sameTarget, useInspect } from './inspectStore';

/**
 * One image looked at closely: the image, and per colour channel a map of
 * either what the chosen pixel's prediction depends on (its receptive field,
 * measured from the model) or what each sub-pixel cost the model in bits
 * (surprise). Click, hover or use the arrow keys to choose a pixel; its
 * distributions are shown below.
 */

const DISPLAY = 168;
const NOT_DRAWN = [34, 45, 76];
const BLIND = [214, 80, 200];
const FIELD_HOT = [255, 196, 64];
const SURPRISE_HOT = [255, 90, 60];
const MARKER = '#ffd166';

export function targetName(target: InspectTarget): string {
  return target.kind === 'sample' ? `sample ${target.image + 1}` : `held-out image ${target.index}`;
}

function grey(inspection: Inspection, p: number): number {
  const { pixels, channels, levels } = inspection;
  let sum = 0;
  for (let c = 0; c < channels; c++) sum += pixels[p * channels + c];
  return (sum / channels / Math.max(1, levels - 1)) * 255;
}

interface MapSpec {
  kind: 'image' | 'field' | 'surprise';
  channel: number;
  field?: FieldMap;
}

/** Paints one map at the image's size (the canvas is scaled by CSS, pixels stay square). */
function paintMap(canvas: HTMLCanvasElement, inspection: Inspection, spec: MapSpec, pixel: PixelPosition | null): void {
  const { width, height, channels, levels, pixels, bits, known } = inspection;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const scale = Math.max(1, Math.floor(DISPLAY / Math.max(width, height)));
  canvas.width = width * scale;
  canvas.height = height * scale;
  const rgba = new Uint8ClampedArray(width * height * 4);
  const c = spec.channel;
  // The last sub-pixel of the chosen pixel: inputs from it on were not drawn when the pixel was.
  const last = pixel ? (pixel.row * width + pixel.col) * channels + channels - 1 : -1;
  let max = 0;
  if (spec.kind === 'field' && spec.field) for (const v of spec.field.values) max = Math.max(max, v);
  if (spec.kind === 'surprise') for (let i = 0; i < known; i++) max = Math.max(max, bits[i]);
  for (let p = 0; p < width * height; p++) {
    const o = p * 4;
    const at = p * channels + c;
    let rgb: number[];
    if (spec.kind === 'image') {
      if (at >= known && channels === 1) rgb = NOT_DRAWN;
      else if (channels === 1) rgb = [grey(inspection, p), grey(inspection, p), grey(inspection, p)];
      else rgb = [0, 1, 2].map((k) => (pixels[p * 3 + k] / Math.max(1, levels - 1)) * 255);
    } else {
      const base = spec.kind === 'field' ? 0.25 * (channels === 1 ? grey(inspection, p) : (pixels[at] / Math.max(1, levels - 1)) * 255) : 0;
      if (at >= known) rgb = NOT_DRAWN;
      else if (spec.kind === 'field' && spec.field) {
        const v = spec.field.values[at];
        if (at >= last) rgb = NOT_DRAWN;
        else if (v === 0) rgb = BLIND.map((k) => 0.55 * k + base * 0.5);
        else {
          const t = Math.sqrt(v / (max || 1));
          rgb = FIELD_HOT.map((k) => base * (1 - t) + k * t);
        }
      } else {
        const t = max > 0 ? Math.sqrt(bits[at] / max) : 0;
        rgb = SURPRISE_HOT.map((k, i) => 16 * (1 - t) + (i === 0 ? k : k * (0.4 + 0.6 * t)) * t);
      }
    }
    rgba[o] = rgb[0];
    rgba[o + 1] = rgb[1];
    rgba[o + 2] = rgb[2];
    rgba[o + 3] = 255;
  }
  const scratch = document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  scratch.getContext('2d')?.putImageData(new ImageData(rgba, width, height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  if (pixel) {
    const line = Math.max(1, Math.round(scale / 4));
    ctx.strokeStyle = MARKER;
    ctx.lineWidth = line;
    ctx.strokeRect(pixel.col * scale + line / 2, pixel.row * scale + line / 2, scale - line, scale - line);
  }
}

function mapTitle(spec: MapSpec, channels: number): string {
  if (spec.kind === 'image') return 'Image';
  const name = channels === 1 ? '' : ` (${channelName(spec.channel, channels)})`;
  return spec.kind === 'field' ? `Depends on${name}` : `Bits${name}`;
}

interface MapCanvasProps {
  inspection: Inspection;
  spec: MapSpec;
  pixel: PixelPosition | null;
  label: string;
  interactive: boolean;
}

function MapCanvas({ inspection, spec, pixel, label, interactive }: MapCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) paintMap(ref.current, inspection, spec, pixel);
  }, [inspection, spec, pixel]);
  const { width, height, target } = inspection;
  const at = (event: MouseEvent<HTMLCanvasElement>): PixelPosition | null => {
    const rect = event.currentTarget.getBoundingClientRect();
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * width);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * height);
    return row >= 0 && col >= 0 && row < height && col < width ? { row, col } : null;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const from = pixel ?? { row: Math.floor(height / 2), col: Math.floor(width / 2) };
    const row = Math.min(height - 1, Math.max(0, from.row + (pixel ? move[0] : 0)));
    const col = Math.min(width - 1, Math.max(0, from.col + (pixel ? move[1] : 0)));
    choosePixel(target, { row, col });
  };
  return (
    <figure className="inspect-map">
      <canvas
        ref={ref}
        className="pixel-canvas"
        role="img"
        aria-label={label}
        tabIndex={interactive ? 0 : undefined}
        onClick={(event) => {
          const p = at(event);
          if (p) choosePixel(target, p);
        }}
        onMouseMove={(event) => hoverPixel(target, at(event))}
        onMouseLeave={() => hoverPixel(target, null)}
        onKeyDown={interactive ? onKeyDown : undefined}
        data-testid={`inspect-${spec.kind}${spec.field && spec.field.source !== 'this model' ? '-compare' : ''}`}
      />
      <figcaption>{mapTitle(spec, inspection.channels)}</figcaption>
    </figure>
  );
}

function maxBits(inspection: Inspection): number {
  let max = 0;
  for (let i = 0; i < inspection.known; i++) max = Math.max(max, inspection.bits[i]);
  return max;
}

function architectureName(architecture: string): string {
  return architecture === 'gated' ? 'Gated PixelCNN' : 'PixelCNN';
}

/** The maps of one field (or the surprise), one per colour channel. */
function maps(kind: 'field' | 'surprise', channels: number, field?: FieldMap): MapSpec[] {
  return Array.from({ length: channels }, (_, channel) => ({ kind, channel, field }));
}

export function InspectView({ kind }: { kind: InspectTarget['kind'] }) {
  const target = useInspect((s) => s.target);
  const inspection = useInspect((s) => s.inspection);
  const hoverInspection = useInspect((s) => s.hoverInspection);
  const hover = useInspect((s) => s.hover);
  const overlay = useInspect((s) => s.overlay);
  if (!target || target.kind !== kind) return null;
  const current = inspection && sameTarget(inspection.target, target) ? inspection : null;
  const name = targetName(target);
  if (!current) {
    return (
      <section className="inspect-view" aria-label={`Inspect ${name}`}>
        <p className="muted" role="status">
          Looking at {name}…
        </p>
      </section>
    );
  }
  const { channels, pixel, field, compare } = current;
  const shownBelief = hover && hoverInspection?.belief && sameTarget(hoverInspection.target, target) ? hoverInspection.belief : current.belief;
  const beliefTitle = shownBelief
    ? `${hover && shownBelief !== current.belief ? 'Under the mouse' : 'Chosen'}: row ${shownBelief.row}, column ${shownBelief.col}`
    : '';
  const where = pixel ? `row ${pixel.row}, column ${pixel.col}` : 'no pixel chosen';
  const fieldShown = overlay === 'field' && field !== null;
  const specs: MapSpec[] = [{ kind: 'image', channel: 0 }, ...(fieldShown ? maps('field', channels, field) : maps('surprise', channels))];
  const blind = field?.architecture === 'pixelcnn';

  return (
    <section className="inspect-view" aria-label={`Inspect ${name}`} data-testid={`inspect-${kind}`}>
      <div className="inspect-head">
        <p>
          <strong>{name[0].toUpperCase() + name.slice(1)}</strong>
          {current.caption && <span className="muted"> · {current.caption}</span>}
          <span className="muted"> · </span>
          <span data-testid="inspect-bpd">{current.bitsPerDim.toFixed(3)} bits/dim</span>
          <span className="muted"> · {where}</span>
        </p>
        <div className="segmented" role="radiogroup" aria-label="Map">
          {(['field', 'surprise'] as Overlay[]).map((o) => (
            <label key={o}>
              <input type="radio" name={`overlay-${kind}`} checked={overlay === o} onChange={() => setOverlay(o)} />
              {o === 'field' ? 'What it can see' : 'What surprised it'}
            </label>
          ))}
        </div>
      </div>
      <div className={`inspect-maps${channels === 3 ? ' inspect-maps-rgb' : ''}`}>
        {specs.map((spec, i) => (
          <MapCanvas
            key={`${spec.kind}-${spec.channel}`}
            inspection={current}
            spec={spec}
            pixel={pixel}
            interactive={i === 0}
            label={
              spec.kind === 'image'
                ? `${name}, ${where}. Arrow keys move the chosen pixel.`
                : spec.kind === 'field'
                  ? `Receptive field of ${where}${channels === 1 ? '' : `, ${channelName(spec.channel, channels)} inputs`}: brighter inputs change its prediction more`
                  : `Bits per sub-pixel${channels === 1 ? '' : ` of ${channelName(spec.channel, channels)}`}: brighter cost the model more; ${current.bitsPerDim.toFixed(3)} bits/dim`
            }
          />
        ))}
      </div>
      {overlay === 'field' && !field && (
        <p className="muted">Click a pixel (or focus the image and press an arrow key) to see what its prediction depends on.</p>
      )}
      {fieldShown && (
        <>
          <p className="legend-line muted">
            <span className="swatch swatch-field" aria-hidden="true" /> inputs its prediction depends on (brighter: more, from the gradient of its
            log-probability)
            <span className="swatch swatch-blind" aria-hidden="true" /> drawn before it, yet never seen
            <span className="swatch swatch-undrawn" aria-hidden="true" /> not drawn yet when it was drawn
          </p>
          <p className="note" data-testid="blind-spot-note">
            {blind
              ? 'This plain PixelCNN has a blind spot: the pink triangle up and to the right was drawn before this pixel, yet stacked masked convolutions never let it through, however deep the stack. The Gated PixelCNN splits the network into a vertical stack (every row above) and a horizontal stack (the row so far), which closes the gap.'
              : 'This Gated PixelCNN has no blind spot: its vertical stack sees the rows above, its horizontal stack the row so far, so everything drawn before the pixel can reach it (within the stack’s reach). A plain PixelCNN leaves a triangle up and to the right unseen.'}
          </p>
          {compare && (
            <div className="inspect-compare">
              <p className="muted">
                The same pixel in {compare.source}: {architectureName(compare.architecture)}
              </p>
              <div className={`inspect-maps${channels === 3 ? ' inspect-maps-rgb' : ''}`}>
                {maps('field', channels, compare).map((spec) => (
                  <MapCanvas
                    key={`compare-${spec.channel}`}
                    inspection={current}
                    spec={spec}
                    pixel={pixel}
                    interactive={false}
                    label={`Receptive field of ${where} in ${compare.source}${channels === 1 ? '' : `, ${channelName(spec.channel, channels)} inputs`}`}
                  />
                ))}
              </div>
            </div>
          )}
        </>
      )}
      {overlay === 'surprise' && (
        <p className="legend-line muted">
          <span className="swatch swatch-surprise" aria-hidden="true" /> bits the model paid for each sub-pixel (−log₂ p at temperature 1), from 0 (dark) to{' '}
          {maxBits(current).toFixed(1)} (brightest); the image’s mean is its bits/dim
        </p>
      )}
      <div aria-live={hover ? 'off' : 'polite'}>
        {shownBelief ? <PixelBeliefView belief={shownBelief} title={beliefTitle} /> : pixel ? <p className="muted">This pixel was not drawn.</p> : null}
      </div>
    </section>
  );
}
