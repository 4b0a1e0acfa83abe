import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { completeDrawing } from '../actions';
import { Field } from '../components/Field';
import { backgroundFrom, blankPad, fillPad, inksFor, type PadImage, paintAt, paintLine, pixelAt, type Rgb, toLevels } from '../drawingPad';
import { useStudio } from '../store';
import './completion.css';

/**
 * Complete what you draw: a small pad at the model's size, used with a
 * mouse, a finger (pointer events) or the keyboard. The user draws the start
 * of an image and picks how many rows to keep; the model then draws the rest
 * several times side by side in the Samples grid, through the same sampling
 * run as any other (so everything that watches a run watches this one).
 */

const PAD_SIDE = 224;
const MAX_COMPLETIONS = 8;
const KEEP_LINE = '#7be0b0';
const CURSOR = '#ffd166';

interface Cursor {
  row: number;
  col: number;
}

function padScale(width: number, height: number): number {
  return Math.max(4, Math.floor(PAD_SIDE / Math.max(width, height)));
}

function css([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

function paintPad(canvas: HTMLCanvasElement, pad: PadImage, keepRows: number, cursor: Cursor | null): void {
  const s = padScale(pad.width, pad.height);
  if (canvas.width !== pad.width * s || canvas.height !== pad.height * s) {
    canvas.width = pad.width * s;
    canvas.height = pad.height * s;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  for (let row = 0; row < pad.height; row++) {
    for (let col = 0; col < pad.width; col++) {
      ctx.fillStyle = css(pixelAt(pad, row, col));
      ctx.fillRect(col * s, row * s, s, s);
    }
  }
  // Rows the model will draw over: veiled, since only the kept rows are given.
  if (keepRows < pad.height) {
    ctx.fillStyle = 'rgba(14, 19, 32, 0.62)';
    ctx.fillRect(0, keepRows * s, pad.width * s, (pad.height - keepRows) * s);
    ctx.save();
    ctx.strokeStyle = KEEP_LINE;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(0, keepRows * s);
    ctx.lineTo(pad.width * s, keepRows * s);
    ctx.stroke();
    ctx.restore();
  }
  if (cursor) {
    ctx.strokeStyle = CURSOR;
    ctx.lineWidth = 2;
    ctx.strokeRect(cursor.col * s + 1, cursor.row * s + 1, s - 2, s - 2);
  }
}

export function DrawingCompletion() {
  const config = useStudio((s) => s.model?.config ?? null);
  const preview = useStudio((s) => s.dataset?.preview ?? null);
  const ready = useStudio((s) => s.engine.state === 'ready');
  const running = useStudio((s) => s.sampling.running);
  if (!config) return null;
  const channels = config.colorChannels === 3 ? 3 : 1;
  // A new geometry is a new pad.
  return (
    <DrawingPadForm
      key={`${config.width}x${config.height}x${channels}x${config.levels}`}
      width={config.width}
      height={config.height}
      channels={channels}
      levels={config.levels}
      background={backgroundFrom(preview, channels, config.levels)}
      canComplete={ready && !running}
    />
  );
}

interface PadProps {
  width: number;
  height: number;
  channels: 1 | 3;
  levels: number;
  background: Rgb;
  canComplete: boolean;
}

function DrawingPadForm({ width, height, channels, levels, background, canComplete }: PadProps) {
  const inks = inksFor(channels);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const padRef = useRef<PadImage>(blankPad(width, height, channels, background));
  const [version, setVersion] = useState(0);
  const [ink, setInk] = useState(0);
  const [brush, setBrush] = useState(width >= 24 ? 2 : 1);
  const [keepRows, setKeepRows] = useState(Math.floor(height / 2));
  const [completions, setCompletions] = useState(4);
  const [cursor, setCursor] = useState<Cursor>({ row: 0, col: 0 });
  const [focused, setFocused] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const stroke = useRef<{ last: Cursor; erase: boolean } | null>(null);

  useEffect(() => {
    if (canvasRef.current) paintPad(canvasRef.current, padRef.current, keepRows, focused ? cursor : null);
  }, [version, keepRows, cursor, focused]);

  const changed = () => setVersion((v) => v + 1);
  // The last choice of the ink group is the eraser (for a finger or a pen, which have no right button).
  const erasing = ink === inks.length;
  const colourOf = (erase: boolean): Rgb => (erase || erasing ? background : inks[ink].rgb);

  const cellAt = useCallback(
    (event: PointerEvent<HTMLCanvasElement>): Cursor => {
      const rect = event.currentTarget.getBoundingClientRect();
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * width);
      const row = Math.floor(((event.clientY - rect.top) / rect.height) * height);
      return { row: Math.min(height - 1, Math.max(0, row)), col: Math.min(width - 1, Math.max(0, col)) };
    },
    [width, height],
  );

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0 && event.button !== 2) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    event.currentTarget.focus({ preventScroll: true });
    const at = cellAt(event);
    // The right button, or the pen's eraser end, erases.
    const erase = event.button === 2 || (event.buttons & 32) !== 0;
    stroke.current = { last: at, erase };
    paintAt(padRef.current, at.row, at.col, colourOf(erase), brush);
    setCursor(at);
    changed();
  };

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const current = stroke.current;
    if (!current) return;
    const at = cellAt(event);
    if (at.row === current.last.row && at.col === current.last.col) return;
    paintLine(padRef.current, current.last, at, colourOf(current.erase), brush);
    current.last = at;
    setCursor(at);
    changed();
  };

  const endStroke = () => {
    stroke.current = null;
  };

  const describe = (at: Cursor) => {
    const [r, g, b] = pixelAt(padRef.current, at.row, at.col);
    const colour = channels === 1 ? `grey ${r}` : `rgb ${r}, ${g}, ${b}`;
    const kept = at.row < keepRows ? 'kept' : 'to be drawn by the model';
    return `Row ${at.row + 1}, column ${at.col + 1}: ${colour}, ${kept}.`;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      const next = {
        row: Math.min(height - 1, Math.max(0, cursor.row + move[0])),
        col: Math.min(width - 1, Math.max(0, cursor.col + move[1])),
      };
      // Shift + arrow draws a line as the cursor moves.
      if (event.shiftKey) {
        paintLine(padRef.current, cursor, next, colourOf(false), brush);
        changed();
      }
      setCursor(next);
      setAnnouncement(describe(next));
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      paintAt(padRef.current, cursor.row, cursor.col, colourOf(false), brush);
      changed();
      setAnnouncement(describe(cursor));
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      paintAt(padRef.current, cursor.row, cursor.col, colourOf(true), brush);
      changed();
      setAnnouncement(describe(cursor));
    }
  };

  const clear = () => {
    fillPad(padRef.current, background);
    changed();
    setAnnouncement('Pad cleared.');
  };

  const complete = () => {
    completeDrawing(toLevels(padRef.current, levels), keepRows, completions);
    // The completions are drawn in the Samples grid, which may be scrolled away.
    document.querySelector('.sample-canvas')?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  };

  const colour = channels === 3 ? 'colour' : 'grayscale';
  const side = padScale(width, height);
  return (
    <fieldset className="drawing-completion">
      <legend>Complete your drawing</legend>
      <p className="muted">
        Draw the start of an image, such as the top of a digit, then keep its first rows: the model draws the rest, several times side by side.
      </p>
      <div className="drawing-pad-row">
        <canvas
          ref={canvasRef}
          className="drawing-pad"
          width={width * side}
          height={height * side}
          style={{ width: `${width * side}px`, maxWidth: '100%' }}
          tabIndex={0}
          role="application"
          aria-roledescription="drawing pad"
          aria-label={`Drawing pad, ${width} by ${height} ${colour}`}
          aria-describedby="drawing-pad-keys"
          data-testid="drawing-pad"
          data-keep-rows={keepRows}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endStroke}
          onPointerCancel={endStroke}
          onLostPointerCapture={endStroke}
          onContextMenu={(e) => e.preventDefault()}
          onKeyDown={onKeyDown}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        />
        <div className="drawing-tools">
          <div className="ink-choice" role="radiogroup" aria-label="Ink">
            {inks.map((choice, i) => (
              <button
                key={choice.name}
                type="button"
                role="radio"
                aria-checked={i === ink}
                aria-label={choice.name}
                title={choice.name}
                className="ink-swatch"
                style={{ background: css(choice.rgb) }}
                onClick={() => setInk(i)}
              />
            ))}
            <button
              type="button"
              role="radio"
              aria-checked={erasing}
              aria-label="Eraser"
              title="Eraser: paints the background"
              className="ink-swatch ink-eraser"
              style={{ background: css(background) }}
              onClick={() => setInk(inks.length)}
            />
          </div>
          <Field label="Brush" hint="pixels across">
            {({ id, describedBy }) => (
              <select id={id} aria-describedby={describedBy} value={String(brush)} onChange={(e) => setBrush(Number(e.currentTarget.value))}>
                <option value="1">1</option>
                <option value="2">2</option>
                <option value="3">3</option>
              </select>
            )}
          </Field>
          <button type="button" onClick={clear}>
            Clear pad
          </button>
        </div>
      </div>
      <p id="drawing-pad-keys" className="field-hint">
        Draw with the mouse or a finger (the right button or the eraser erases). Keyboard: arrow keys move the cursor, Space or Enter paints, Shift + arrow
        paints as it moves, Delete erases.
      </p>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <div className="field-row">
        <Field label="Rows to keep" value={`${keepRows} of ${height}`} hint="the model draws every row below" className="field-wide">
          {({ id, describedBy }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              type="range"
              min={0}
              max={height - 1}
              step={1}
              value={keepRows}
              onChange={(e) => setKeepRows(Number(e.currentTarget.value))}
            />
          )}
        </Field>
        <Field label="Completions" hint={`1 to ${MAX_COMPLETIONS}`}>
          {({ id, describedBy }) => (
            <select id={id} aria-describedby={describedBy} value={String(completions)} onChange={(e) => setCompletions(Number(e.currentTarget.value))}>
              {Array.from({ length: MAX_COMPLETIONS }, (_, i) => (
                <option key={i} value={String(i + 1)}>
                  {i + 1}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" className="primary" onClick={complete} disabled={!canComplete}>
          Complete drawing
        </button>
      </div>
    </fieldset>
  );
}
