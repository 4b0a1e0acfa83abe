import type { Palette } from 'gifenc';

/** gifenc, loaded when a GIF is first made: the page's first load does without it. */
type Gifenc = typeof import('gifenc');
import { gridLayout, type GridLayout } from './pixelGrid';
import { paintNotDrawn, type SampleFrame, type TimelineMark } from './sampleChannel';

/**
 * Taking a run away: the sample grid as a PNG, and the whole generation as
 * an animated GIF that replays it at the pace it was drawn.
 *
 * The GIF is rebuilt from the finished images and the run's timeline (how
 * many sub-pixels each image had at which moment): the frame at a moment is
 * the finished images with every later sub-pixel shown as "not yet drawn",
 * exactly as the Samples canvas showed it then. Frames closer together than
 * a GIF can time (and more than MAX_FRAMES) are merged; the pace is kept.
 */

/** Browsers show GIF frame delays under 20 ms as 100 ms, so frames are at least this far apart. */
export const MIN_FRAME_MS = 20;
export const MAX_FRAMES = 200;
/** The finished grid stays up this long before the animation loops. */
export const HOLD_LAST_MS = 2000;
/** The GIF grid is drawn about this wide (a whole-number scale of the model's pixels). */
const GIF_TARGET_WIDTH = 320;
const GIF_GAP = 4;
/** Between images: the Samples panel's backdrop. */
export const BACKGROUND: readonly [number, number, number] = [10, 15, 26];

/** The images as they were when `drawn` sub-pixels of each were known: count × H × W × 4 bytes, stacked vertically. */
export function frameAtDrawn(frame: SampleFrame, drawn: number): Uint8ClampedArray<ArrayBuffer> {
  const { count, width, height, channels, rgba } = frame;
  const out = new Uint8ClampedArray(rgba.length);
  paintNotDrawn(out, width, count * height);
  const perImage = width * height * channels;
  const known = Math.min(drawn, perImage);
  for (let image = 0; image < count; image++) {
    for (let index = 0; index < known; index++) {
      const pixel = Math.floor(index / channels);
      const o = (image * width * height + pixel) * 4;
      if (channels === 1) {
        out[o] = rgba[o];
        out[o + 1] = rgba[o + 1];
        out[o + 2] = rgba[o + 2];
      } else {
        const channel = index % channels;
        out[o + channel] = rgba[o + channel];
      }
    }
  }
  return out;
}

export interface GifFrame {
  drawn: number;
  delayMs: number;
}

/**
 * The frames of the animation: the timeline's moments, at least
 * MIN_FRAME_MS apart (or total/MAX_FRAMES for a long run), always the first
 * and the last; each shown until the next one's moment, rounded as a GIF
 * stores delays (hundredths of a second) without letting the error add up.
 */
export function pickFrames(marks: readonly TimelineMark[], finalDrawn: number, maxFrames = MAX_FRAMES): GifFrame[] {
  const timeline = marks.length > 0 ? [...marks] : [{ drawn: 0, elapsedMs: 0 }];
  if (timeline[timeline.length - 1].drawn < finalDrawn) {
    timeline.push({ drawn: finalDrawn, elapsedMs: timeline[timeline.length - 1].elapsedMs + MIN_FRAME_MS });
  }
  const total = timeline[timeline.length - 1].elapsedMs - timeline[0].elapsedMs;
  const spacing = Math.max(MIN_FRAME_MS, Math.ceil(total / Math.max(1, maxFrames - 1)));
  const picked = [timeline[0]];
  for (let i = 1; i < timeline.length; i++) {
    const mark = timeline[i];
    const last = i === timeline.length - 1;
    if (mark.elapsedMs - picked[picked.length - 1].elapsedMs >= spacing) picked.push(mark);
    else if (last) {
      // The last moment always shows: it replaces a frame too close before it.
      if (picked.length > 1) picked[picked.length - 1] = mark;
      else picked.push(mark);
    }
  }
  const hundredths = (ms: number) => Math.round((ms - picked[0].elapsedMs) / 10);
  return picked.map((mark, k) => ({
    drawn: mark.drawn,
    delayMs: k === picked.length - 1 ? HOLD_LAST_MS : Math.max(MIN_FRAME_MS, (hundredths(picked[k + 1].elapsedMs) - hundredths(mark.elapsedMs)) * 10),
  }));
}

const key = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

/**
 * Every colour any frame can show: the backdrop, the "not drawn" checker,
 * the finished pixels, and for colour images the pixels with only R, or R
 * and G, drawn over the checker. Exact when there are at most 256; else the
 * nearest of 256 picked by gifenc's quantiser.
 */
function paletteFor(frame: SampleFrame, { quantize, nearestColorIndex }: Gifenc): { palette: Palette; index: (r: number, g: number, b: number) => number } {
  const colours = new Map<number, number[]>();
  const add = (r: number, g: number, b: number) => colours.set(key(r, g, b), [r, g, b]);
  add(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2]);
  const blank = frameAtDrawn(frame, 0);
  const { rgba, channels } = frame;
  for (let o = 0; o < rgba.length; o += 4) {
    add(blank[o], blank[o + 1], blank[o + 2]);
    add(rgba[o], rgba[o + 1], rgba[o + 2]);
    if (channels === 3) {
      add(rgba[o], blank[o + 1], blank[o + 2]);
      add(rgba[o], rgba[o + 1], blank[o + 2]);
    }
  }
  const list = [...colours.values()];
  if (list.length <= 256) {
    const lookup = new Map(list.map((c, i) => [key(c[0], c[1], c[2]), i]));
    return { palette: list, index: (r, g, b) => lookup.get(key(r, g, b)) ?? 0 };
  }
  const all = new Uint8Array(list.length * 4);
  list.forEach((c, i) => all.set([c[0], c[1], c[2], 255], i * 4));
  const palette = quantize(all, 256);
  const nearest = new Map<number, number>();
  return {
    palette,
    index: (r, g, b) => {
      const k = key(r, g, b);
      let i = nearest.get(k);
      if (i === undefined) {
        i = nearestColorIndex(palette, [r, g, b]);
        nearest.set(k, i);
      }
      return i;
    },
  };
}

/** The grid of the GIF: the Samples grid's columns, each model pixel a whole number of GIF pixels. */
export function gifLayout(frame: SampleFrame): GridLayout {
  const { count, width, height, columns } = frame;
  return gridLayout(count, width, height, GIF_TARGET_WIDTH, columns ?? Math.ceil(Math.sqrt(count)), GIF_GAP);
}

/** The generation as an animated GIF (looping), replaying the run at its pace. `onProgress` hears frames done / total. */
export async function generationGif(
  frame: SampleFrame,
  timeline: readonly TimelineMark[],
  onProgress?: (done: number, total: number) => void,
): Promise<Uint8Array> {
  const { count, width, height } = frame;
  const gifenc = await import('gifenc');
  const layout = gifLayout(frame);
  const { palette, index } = paletteFor(frame, gifenc);
  const frames = pickFrames(timeline, frame.drawn);
  const gif = gifenc.GIFEncoder();
  const canvas = new Uint8Array(layout.canvasWidth * layout.canvasHeight).fill(index(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2]));
  const small = new Uint8Array(count * width * height);
  const s = layout.scale;
  for (let f = 0; f < frames.length; f++) {
    const rgba = frameAtDrawn(frame, frames[f].drawn);
    for (let p = 0; p < small.length; p++) small[p] = index(rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]);
    for (let image = 0; image < count; image++) {
      const { x, y } = layout.origin(image);
      for (let row = 0; row < height * s; row++) {
        const source = (image * height + Math.floor(row / s)) * width;
        const target = (y + row) * layout.canvasWidth + x;
        for (let col = 0; col < width * s; col++) canvas[target + col] = small[source + Math.floor(col / s)];
      }
    }
    gif.writeFrame(canvas, layout.canvasWidth, layout.canvasHeight, { palette: f === 0 ? palette : undefined, delay: frames[f].delayMs, repeat: 0 });
    if (f % 10 === 9) {
      onProgress?.(f + 1, frames.length);
      // Let the page repaint between batches of frames.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  gif.finish();
  onProgress?.(frames.length, frames.length);
  return gif.bytes();
}
