import { levelToByte } from '../data/quantise';

/** Where image i of a grid sits, in canvas pixels. */
export interface GridLayout {
  columns: number;
  rows: number;
  /** Canvas pixels per image pixel. */
  scale: number;
  gap: number;
  /** Canvas pixels left free under each image for its caption (0 for none). */
  captionHeight: number;
  canvasWidth: number;
  canvasHeight: number;
  origin(index: number): { x: number; y: number };
}

export interface GridOptions {
  /** Room under each image for a caption, in canvas pixels. */
  captionHeight?: number;
  /** The canvas is at most this tall (a grid of many rows gets a smaller scale). */
  maxHeight?: number;
}

/**
 * A grid of `count` images, near-square unless `maxColumns` says otherwise,
 * scaled by a whole number so pixels stay square and sharp.
 */
export function gridLayout(
  count: number,
  width: number,
  height: number,
  targetWidth: number,
  maxColumns = Math.ceil(Math.sqrt(count)),
  gap = 6,
  { captionHeight = 0, maxHeight = Infinity }: GridOptions = {},
): GridLayout {
  const columns = Math.max(1, Math.min(count, maxColumns));
  const rows = Math.max(1, Math.ceil(count / columns));
  const byWidth = Math.floor((targetWidth - gap * (columns - 1)) / (columns * width));
  const byHeight = Math.floor((maxHeight - gap * (rows - 1) - rows * captionHeight) / (rows * height));
  const scale = Math.max(1, Math.min(byWidth, byHeight));
  const cellW = width * scale;
  const cellH = height * scale + captionHeight;
  return {
    columns,
    rows,
    scale,
    gap,
    captionHeight,
    canvasWidth: columns * cellW + (columns - 1) * gap,
    canvasHeight: rows * cellH + (rows - 1) * gap,
    origin: (index) => ({
      x: (index % columns) * (cellW + gap),
      y: Math.floor(index / columns) * (cellH + gap),
    }),
  };
}

/** Turns count × H × W × C levels into RGBA, images stacked vertically (W × count·H). */
export function levelsToRgba(
  levels: Uint8Array,
  count: number,
  width: number,
  height: number,
  channels: 1 | 3,
  levelCount: number,
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = count * width * height;
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const o = p * 4;
    if (channels === 1) {
      const v = levelToByte(levels[p] ?? 0, levelCount);
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
    } else {
      rgba[o] = levelToByte(levels[p * 3] ?? 0, levelCount);
      rgba[o + 1] = levelToByte(levels[p * 3 + 1] ?? 0, levelCount);
      rgba[o + 2] = levelToByte(levels[p * 3 + 2] ?? 0, levelCount);
    }
    rgba[o + 3] = 255;
  }
  return rgba;
}

/**
 * Draws a vertical stack of images (as held in `source`) into a grid on
 * `target`, scaled up with nearest-neighbour so every model pixel is a crisp square.
 */
export function paintStackAsGrid(
  target: CanvasRenderingContext2D,
  source: HTMLCanvasElement | OffscreenCanvas,
  count: number,
  width: number,
  height: number,
  layout: GridLayout,
): void {
  target.imageSmoothingEnabled = false;
  for (let i = 0; i < count; i++) {
    const { x, y } = layout.origin(i);
    target.drawImage(source, 0, i * height, width, height, x, y, width * layout.scale, height * layout.scale);
  }
}

/** A scratch canvas holding the stacked images at their true size, as the source for scaling. */
export function stackCanvas(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, rows: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = rows;
  canvas.getContext('2d')?.putImageData(new ImageData(rgba, width, rows), 0, 0);
  return canvas;
}
