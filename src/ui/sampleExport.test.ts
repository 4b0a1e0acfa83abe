import { describe, expect, it } from 'vitest';
import { paintNotDrawn, type SampleFrame } from './sampleChannel';
import { frameAtDrawn, generationGif, HOLD_LAST_MS, MIN_FRAME_MS, pickFrames } from './sampleExport';

/** Two 2×2 images, finished: image b's pixel p is grey 10·(b·4 + p + 1), or that in R with G = 200, B = 100 for colour. */
function finished(channels: 1 | 3): SampleFrame {
  const count = 2;
  const rgba = new Uint8ClampedArray(count * 4 * 4);
  for (let p = 0; p < count * 4; p++) {
    const v = 10 * (p + 1);
    rgba.set(channels === 1 ? [v, v, v, 255] : [v, 200, 100, 255], p * 4);
  }
  return { count, width: 2, height: 2, channels, levels: 256, rgba, drawn: 4 * channels, prefixLength: 0, columns: null, captions: null };
}

describe('the generation replay', () => {
  it('shows exactly the sub-pixels known at each moment, over the not-drawn checker', () => {
    const gray = finished(1);
    const blank = new Uint8ClampedArray(gray.rgba.length);
    paintNotDrawn(blank, 2, 4);
    expect(Array.from(frameAtDrawn(gray, 0))).toEqual(Array.from(blank));
    const three = frameAtDrawn(gray, 3);
    for (const image of [0, 1]) {
      for (let p = 0; p < 4; p++) {
        const o = (image * 4 + p) * 4;
        expect(Array.from(three.subarray(o, o + 4))).toEqual(Array.from((p < 3 ? gray.rgba : blank).subarray(o, o + 4)));
      }
    }
    expect(Array.from(frameAtDrawn(gray, 4))).toEqual(Array.from(gray.rgba));

    // Colour: with R and G of the second pixel known, its B is still the checker's.
    const colour = finished(3);
    const partial = frameAtDrawn(colour, 5);
    expect(Array.from(partial.subarray(4, 8))).toEqual([colour.rgba[4], colour.rgba[5], blank[6], 255]);
  });

  it('keeps the pace: frames at least 20 ms apart, delays summing to the run, the last held', () => {
    const marks = Array.from({ length: 101 }, (_, i) => ({ drawn: i, elapsedMs: i * 7 }));
    const frames = pickFrames(marks, 100);
    expect(frames[0].drawn).toBe(0);
    expect(frames.at(-1)).toEqual({ drawn: 100, delayMs: HOLD_LAST_MS });
    expect(frames.every((f) => f.delayMs >= MIN_FRAME_MS && f.delayMs % 10 === 0)).toBe(true);
    const played = frames.slice(0, -1).reduce((sum, f) => sum + f.delayMs, 0);
    expect(Math.abs(played - 700)).toBeLessThanOrEqual(10);
    // A long run is capped in frames, not in time.
    const long = Array.from({ length: 5001 }, (_, i) => ({ drawn: i, elapsedMs: i * 30 }));
    const capped = pickFrames(long, 5000, 300);
    expect(capped.length).toBeLessThanOrEqual(300);
    expect(Math.abs(capped.slice(0, -1).reduce((sum, f) => sum + f.delayMs, 0) - 150_000)).toBeLessThanOrEqual(10);
  });

  it('encodes images of more than 256 colours through a quantised palette', async () => {
    // Two 16×16 colour images whose every pixel is a different colour.
    const count = 2;
    const rgba = new Uint8ClampedArray(count * 256 * 4);
    for (let p = 0; p < count * 256; p++) rgba.set([p % 256, (p * 7) % 256, (p * 13) % 251, 255], p * 4);
    const frame: SampleFrame = { count, width: 16, height: 16, channels: 3, levels: 256, rgba, drawn: 768, prefixLength: 0, columns: null, captions: null };
    const bytes = await generationGif(frame, [
      { drawn: 0, elapsedMs: 0 },
      { drawn: 384, elapsedMs: 100 },
      { drawn: 768, elapsedMs: 200 },
    ]);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
    // A global colour table of 256 entries: the size field of the packed byte is 7.
    expect(bytes[10] & 0x87).toBe(0x87);
    expect(bytes.at(-1)).toBe(0x3b);
  });

  it('encodes a looping GIF89a of the grid, one frame per picked moment', async () => {
    for (const channels of [1, 3] as const) {
      const frame = finished(channels);
      const marks = [0, 1, 2, 3, 4].map((k) => ({ drawn: k * channels, elapsedMs: k * 50 }));
      const bytes = await generationGif(frame, marks);
      expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a');
      const width = bytes[6] | (bytes[7] << 8);
      const height = bytes[8] | (bytes[9] << 8);
      expect(width).toBeGreaterThan(2);
      expect(height).toBeGreaterThan(2);
      expect(new TextDecoder().decode(bytes)).toContain('NETSCAPE2.0');
      expect(bytes.at(-1)).toBe(0x3b);
      // One graphic control extension (21 F9 04) per frame.
      let controls = 0;
      for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 0x04) controls++;
      expect(controls).toBeGreaterThanOrEqual(5);
    }
  });
});
