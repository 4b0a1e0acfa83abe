#!/usr/bin/env node
// `npm run pretrain`: trains the shipped MNIST model (src/pretrain/main.ts
// says what it writes). Ctrl-C stops after the current step and saves a
// checkpoint; running the command again resumes from it.
//
//   --fresh       ignore the checkpoint and start from step 0
//   --steps N     a shorter trial run (written under --out, not over the shipped model)
//   --out DIR     write outputs under DIR instead of the project root
//   --threads N   threads sharing each batch (default: one per core, at most 4)
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

const known = new Set(['--fresh', '--steps', '--out', '--threads']);
for (const arg of args) if (arg.startsWith('--') && !known.has(arg)) fail(`unknown option ${arg} (known: ${[...known].join(', ')})`);

const stepsText = option('--steps');
const steps = stepsText === undefined ? undefined : Number(stepsText);
if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) fail(`--steps must be a positive whole number, got ${stepsText}`);
const outDir = option('--out');
const threadsText = option('--threads');
const threads = threadsText === undefined ? Math.min(4, os.availableParallelism()) : Number(threadsText);
if (!(Number.isInteger(threads) && threads > 0)) fail(`--threads must be a positive whole number, got ${threadsText}`);
if (steps !== undefined && outDir === undefined) fail('a run with --steps must write elsewhere: add --out DIR so the shipped model is not replaced');

function commitOf() {
  try {
    const head = execSync('git rev-parse HEAD', { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changes = execSync('git status --porcelain --untracked-files=no -- src scripts package.json', { cwd: root, encoding: 'utf8' }).trim();
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
