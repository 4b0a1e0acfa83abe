/**
 * The bench page: reads the backend and sizes from the query string, runs
 * the bench worker, and exposes the outcome on `window.benchOutcome` for the
 * driver script (scripts/bench.mjs). Log lines also go to the console.
 */
import type { BackendName } from '../worker/protocol';
import type { BenchMessage, BenchRequest, BenchResult } from './protocol';
import type { WorkersRow } from './trainingWorkers';

declare global {
  interface Window {
    benchOutcome?: { result?: BenchResult; trainingWorkers?: { adapter: string; rows: WorkersRow[] }; error?: string };
  }
}

const params = new URLSearchParams(location.search);
const request: BenchRequest = {
  backend: (params.get('backend') ?? 'webgpu') as BackendName,
  sizes: (params.get('sizes') ?? '8,16,28').split(',').map(Number),
  fullSteps: Number(params.get('fullSteps') ?? 5),
  trainSteps: Number(params.get('trainSteps') ?? 2),
  trainingWorkers: params.get('workers')?.split(',').map(Number) ?? [],
  only: params.get('only') === 'training-workers' ? 'training-workers' : undefined,
};

const output = document.getElementById('log')!;
const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<BenchMessage>) => {
  const message = event.data;
  if (message.type === 'log') {
    console.log(message.line);
    output.textContent += message.line + '\n';
  } else if (message.type === 'trainingWorkers') {
    window.benchOutcome = { trainingWorkers: { adapter: message.adapter, rows: message.rows } };
    output.textContent += 'done\n';
  } else if (message.type === 'result') {
    window.benchOutcome = { result: message.result };
    output.textContent += 'done\n';
  } else {
    window.benchOutcome = { error: message.message };
    output.textContent += `error: ${message.message}\n`;
  }
};
worker.onerror = (event) => {
  window.benchOutcome = { error: `bench worker crashed: ${event.message}` };
};
worker.postMessage(request);
