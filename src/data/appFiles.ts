/**
 * Files the app ships in public/ (the built-in digits, the pretrained model),
 * fetched relative to the app's base URL from the page or from the worker.
 */

export class AppFileError extends Error {
  override name = 'AppFileError';
}

export interface AppUrlContext {
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
export function appUrlCandidates(path: string, context: AppUrlContext): string[] {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return [path];
  if (context.baseUrl) return [new URL(path, context.baseUrl).href];
  const here = context.locationHref;
  if (!here) {
    throw new AppFileError(`Cannot tell where "${path}" is outside a browser; pass an absolute URL or baseUrl.`);
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

/** Where this code runs: the page (its document), a worker (its location), or Node (neither). Shared by the page and the worker, so it names no DOM global. */
function currentLocation(): { href?: string; inWorker: boolean } {
  const page = (globalThis as { document?: { baseURI: string } }).document;
  if (page !== undefined) return { href: page.baseURI, inWorker: false };
  const location = (globalThis as { location?: { href: string } }).location;
  return { href: location?.href, inWorker: location !== undefined };
}

export interface FetchAppFileOptions {
  /** Absolute URL of the app root (e.g. document.baseURI sent from the page to the worker). */
  baseUrl?: string;
  signal?: AbortSignal;
}

/**
 * The bytes of an app-relative file, or null when it is not there (a 404, or
 * the dev server's HTML fallback page for an unknown path). Throws
 * AppFileError listing what went wrong when it exists but cannot be read.
 */
export async function fetchAppFile(path: string, options: FetchAppFileOptions = {}): Promise<ArrayBuffer | null> {
  const early = options.baseUrl === undefined && options.signal === undefined ? prefetched.get(path) : undefined;
  if (early) {
    prefetched.delete(path);
    return early;
  }
  const here = currentLocation();
  const candidates = appUrlCandidates(path, { baseUrl: options.baseUrl, viteBase: viteBase(), locationHref: here.href, inWorker: here.inWorker });
  const failures: string[] = [];
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
    if (response.status === 404 || (response.ok && contentType.includes('text/html'))) continue;
    if (!response.ok) {
      failures.push(`${candidate}: HTTP ${response.status}`);
      continue;
    }
    return response.arrayBuffer();
  }
  if (failures.length > 0) throw new AppFileError(failures.join('; '));
  return null;
}

const prefetched = new Map<string, Promise<ArrayBuffer | null>>();

/**
 * Starts fetching `path` now; the next fetchAppFile of it (without options)
 * takes the answer over, errors included. A first visit fetches the shipped
 * model and digits this way while tfjs starts its backend.
 */
export function prefetchAppFile(path: string): void {
  if (prefetched.has(path)) return;
  const pending = fetchAppFile(path);
  // Taken over later, or never: either way not an unhandled rejection here.
  pending.catch(() => undefined);
  prefetched.set(path, pending);
  // Not taken over within a minute (the start-up did not need it): let the bytes go.
  setTimeout(() => {
    if (prefetched.get(path) === pending) prefetched.delete(path);
  }, PREFETCH_KEPT_MS);
}

const PREFETCH_KEPT_MS = 60_000;
