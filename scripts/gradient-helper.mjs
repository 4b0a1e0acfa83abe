// A worker thread of `npm run pretrain` with more than one thread: loads
// src/pretrain/gradientWorker.ts through Vite's module runner (as
// scripts/pretrain.mjs loads main.ts) and answers the main thread's requests.
import { parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module } = await runnerImport(`${root}src/pretrain/gradientWorker.ts`, { root, logLevel: 'error' });
module.serveGradients(parentPort);
