import type { KeyboardEvent, MouseEvent, RefObject } from 'react';
import type { GridLayout } from '../../pixelGrid';
import { sampleChannel } from '../../sampleChannel';
import { useStudio } from '../../store';
import { choosePixel, followImage, hoverPixel } from './inspectActions';
import { useInspect } from './inspectStore';

/** Lays out the sample grid as the canvas draws it (SampleCanvas's sampleLayout). */
export type SampleLayoutFn = (count: number, width: number, height: number, columns: number | null, captioned: boolean) => GridLayout;

/** Which image and pixel of the sample grid is under a point of the canvas, if any. */
function pickAt(canvas: HTMLCanvasElement, clientX: number, clientY: number, sampleLayout: SampleLayoutFn): { image: number; row: number; col: number } | null {
  const frame = sampleChannel.current();
  if (!frame) return null;
  const { count, width, height, columns, captions } = frame;
  const layout = sampleLayout(count, width, height, columns, captions !== null);
  const rect = canvas.getBoundingClientRect();
  const x = ((clientX - rect.left) / rect.width) * canvas.width;
  const y = ((clientY - rect.top) / rect.height) * canvas.height;
  for (let image = 0; image < count; image++) {
    const origin = layout.origin(image);
    const col = Math.floor((x - origin.x) / layout.scale);
    const row = Math.floor((y - origin.y) / layout.scale);
    if (col >= 0 && row >= 0 && col < width && row < height) return { image, row, col };
  }
  return null;
}

/**
 * Mouse and keyboard on the sample grid: while drawing, a click picks the
 * image the live chart follows; afterwards a click chooses a pixel, hovering
 * shows a pixel's distributions, and the arrow keys move the chosen pixel
 * ("[" and "]" step to the previous and next image).
 */
export function useSamplePicking(canvasRef: RefObject<HTMLCanvasElement | null>, sampleLayout: SampleLayoutFn) {
  const running = useStudio((s) => s.sampling.running);
  const drawn = useStudio((s) => s.sampling.drawn);
  const onClick = (event: MouseEvent<HTMLCanvasElement>) => {
    const canvas = canvasRef.current;
    const hit = canvas && pickAt(canvas, event.clientX, event.clientY, sampleLayout);
    if (!hit) return;
    if (running) followImage(hit.image);
    else if (drawn > 0) choosePixel({ kind: 'sample', image: hit.image }, { row: hit.row, col: hit.col });
  };
  const onMouseMove = (event: MouseEvent<HTMLCanvasElement>) => {
    if (running || drawn === 0) return;
    const canvas = canvasRef.current;
    const hit = canvas && pickAt(canvas, event.clientX, event.clientY, sampleLayout);
    const { target } = useInspect.getState();
    if (!hit) return;
    // Hovering another image first makes it the one looked at, so its maps and charts match.
    if (target?.kind !== 'sample' || target.image !== hit.image) choosePixel({ kind: 'sample', image: hit.image }, { row: hit.row, col: hit.col });
    else hoverPixel(target, { row: hit.row, col: hit.col });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLCanvasElement>) => {
    const frame = sampleChannel.current();
    if (!frame) return;
    const { target, pixel, beliefImage } = useInspect.getState();
    const image = target?.kind === 'sample' ? target.image : running ? beliefImage : 0;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const step = event.key === '[' ? -1 : event.key === ']' ? 1 : 0;
    if (step !== 0) {
      event.preventDefault();
      const next = (image + step + frame.count) % frame.count;
      if (running) followImage(next);
      else if (drawn > 0) choosePixel({ kind: 'sample', image: next }, pixel ?? { row: 0, col: 0 });
      return;
    }
    const move = moves[event.key];
    if (!move || running || drawn === 0) return;
    event.preventDefault();
    const from = target?.kind === 'sample' && pixel ? pixel : null;
    const row = from ? Math.min(frame.height - 1, Math.max(0, from.row + move[0])) : Math.floor(frame.height / 2);
    const col = from ? Math.min(frame.width - 1, Math.max(0, from.col + move[1])) : Math.floor(frame.width / 2);
    choosePixel({ kind: 'sample', image }, { row, col });
  };
  return { onClick, onMouseMove, onKeyDown, tabIndex: 0 };
}
