import { plainEngineText } from '../worker/errors';

/**
 * Launches the engine's worker (whose script is src/worker/engine.worker.ts),
 * kept apart from the rest of the engine client so the page can start the
 * worker before it evaluates anything else (src/preloadEngine.ts, main.tsx's
 * first import): the worker's script then loads and draws the first grid
 * while React and the panels are still being evaluated. engineClient.ts
 * takes the worker over, and launches a new one on a restart.
 */

export function createEngineWorker(): Worker {
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
}

/** A worker started before the engine client took it; `failure` keeps a script error from that time. */
export interface PreloadedWorker {
  worker: Worker;
  failure: string | null;
}

let preloaded: PreloadedWorker | null = null;

/** Creates the engine worker at once; startEngine (engineClient.ts) takes it and sends it init. */
export function preloadEngineWorker(): void {
  if (preloaded) return;
  const early: PreloadedWorker = { worker: createEngineWorker(), failure: null };
  early.worker.addEventListener('error', (event: ErrorEvent) => {
    if (preloaded !== early) return;
    event.preventDefault();
    early.failure = event.message ? plainEngineText(event.message) : 'the engine script failed to load or crashed';
  });
  preloaded = early;
}

/** The preloaded worker, once: later calls (an engine restart) get null and create a new one. */
export function takePreloadedWorker(): PreloadedWorker | null {
  const early = preloaded;
  preloaded = null;
  return early;
}
