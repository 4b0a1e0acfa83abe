#!/usr/bin/env node
// `npm run pretrain`: trains a shipped model (src/pretrain/main.ts says what
// it writes): the digits' by default. Ctrl-C stops after the current step and saves a
// checkpoint; running the command again resumes from it.
//
//   --dataset D   digits (default) or icons: the built-in dataset, and so the shipped model
//   --independent-channels
//                 icons, torch: the baseline with the colour channels independent (one
//                 colour group); its held-out score goes into the shipped card
//   --engine E    wasm (tfjs in Node), torch (the PyTorch twin in python/), or
//                 auto (default): torch when `python3 -c "import torch"` works
//   --fresh       ignore the checkpoint and start from step 0
//   --steps N     a shorter trial run (written under --out, not over the shipped model)
//   --out DIR     write outputs under DIR instead of the project root
//   --threads N   wasm: threads sharing each batch (default: one per core, at most 4);
//                 torch: torch threads (default: one per core)
//   --train-images N, --held-out-images M
//                 a trial run on the first N training and M held-out digits only (needs --out)
//   --print-settings
//                 print the pretraining settings as JSON and exit (for torchrun: README)
//
// The torch engine runs PIXELCNN_PYTHON, else /usr/bin/python3, else python3.
//
// TypeScript sources load through Vite's module runner, so no TS runner is needed.

import { execSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

function option(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
}

function fail(message) {
  console.error(`pretrain: ${message}`);
  process.exit(1);
}

const known = new Set([
  '--fresh',
  '--steps',
  '--out',
  '--threads',
  '--engine',
  '--train-images',
  '--held-out-images',
  '--print-settings',
  '--dataset',
  '--independent-channels',
]);
for (const arg of args) if (arg.startsWith('--') && !known.has(arg)) fail(`unknown option ${arg} (known: ${[...known].join(', ')})`);

const stepsText = option('--steps');
const steps = stepsText === undefined ? undefined : Number(stepsText);
if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) fail(`--steps must be a positive whole number, got ${stepsText}`);
const outDir = option('--out');
const dataset = option('--dataset') ?? 'digits';
if (!['digits', 'icons'].includes(dataset)) fail(`--dataset must be digits or icons, got ${dataset}`);
if (args.includes('--print-settings')) {
  const { module: schedule } = await runnerImport(`${root}src/pretrain/schedule.ts`, { root, logLevel: 'error' });
  console.log(JSON.stringify({ ...schedule.PRETRAIN_BY_DATASET[dataset], ...(steps ? { steps } : {}) }, null, 2));
  process.exit(0);
}

function countOption(name) {
  const text = option(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) fail(`${name} must be a positive whole number, got ${text}`);
  return value;
}
const trainImages = countOption('--train-images');
const heldOutImages = countOption('--held-out-images');
if ((steps !== undefined || trainImages !== undefined || heldOutImages !== undefined) && outDir === undefined) {
  fail('a trial run (--steps, --train-images, --held-out-images) must write elsewhere: add --out DIR so the shipped model is not replaced');
}

const { module: torchEngine } = await runnerImport(`${root}src/pretrain/torchEngine.ts`, { root, logLevel: 'error' });
const python = torchEngine.defaultPython();
const engineText = option('--engine') ?? 'auto';
if (!['auto', 'wasm', 'torch'].includes(engineText)) fail(`--engine must be wasm, torch or auto, got ${engineText}`);
let engine = engineText;
if (engine === 'auto') engine = torchEngine.torchAvailable(python) ? 'torch' : 'wasm';
else if (engine === 'torch' && !torchEngine.torchAvailable(python)) {
  fail(`--engine torch needs PyTorch: \`${python} -c "import torch"\` failed (on Debian: apt-get install python3-torch; or set PIXELCNN_PYTHON)`);
}

const threadsText = option('--threads');
const defaultThreads = engine === 'torch' ? os.availableParallelism() : Math.min(4, os.availableParallelism());
const threads = threadsText === undefined ? defaultThreads : Number(threadsText);
if (!(Number.isInteger(threads) && threads > 0)) fail(`--threads must be a positive whole number, got ${threadsText}`);

function commitOf() {
  try {
    const head = execSync('git rev-parse HEAD', { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changes = execSync('git status --porcelain --untracked-files=no -- src scripts python package.json', { cwd: root, encoding: 'utf8' }).trim();
    return changes ? `${head}+changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

let stopRequested = false;
process.on('SIGINT', () => {
  if (stopRequested) process.exit(130);
  stopRequested = true;
  console.error('\npretrain: stopping after this step (Ctrl-C again to quit without a checkpoint)…');
});

const { module } = await runnerImport(`${root}src/pretrain/main.ts`, { root, logLevel: 'error' });
try {
  const result = await module.runPretrainCommand(
    {
      root,
      fresh: args.includes('--fresh'),
      steps,
      outDir,
      threads,
      engine,
      python,
      trainImages,
      heldOutImages,
      dataset,
      independentChannels: args.includes('--independent-channels'),
      commit: commitOf(),
      interactive: Boolean(process.stderr.isTTY),
      shouldStop: () => stopRequested,
    },
    (line) => console.error(line),
  );
  process.exit(result === 'stopped' ? 130 : 0);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
