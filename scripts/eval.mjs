#!/usr/bin/env node
// `npm run eval`: judges a digits model file by its likelihood on the standard
// MNIST test digits and by its samples at several classifier-free guidance
// weights (src/eval/run.ts says what it measures).
//
//   npm run eval -- [model.json] [--samples N] [--guidance W,W,…] [--test-images N]
//                   [--temperature T] [--seed S] [--grid FILE] [--batch N]
//
//   model.json       default public/models/mnist-pixelcnn.json
//   --samples N      images to draw at each guidance weight (default 512; more for tighter figures)
//   --guidance LIST  the weights, comma-separated (default 0,1,1.5,2,3,5); a model without a
//                    "no class" row is drawn at 1 only
//   --test-images N  standard test digits to score, spread evenly over the 10,000
//                    (default 2000; 10000 scores them all, as the card does)
//   --temperature T  softmax temperature (default 1.0)
//   --seed S         seeds the samples and, for a conditional model, their labels (default 1)
//   --grid FILE      PNG of the samples, one per weight with "-w<w>" added
//                    (default .cache/eval/samples-<model>-T<T>-s<S>.png)
//   --batch N        images sampled together (default 128)
//
// Progress goes to stderr; the report to stdout, ending with one JSON line.
// TypeScript sources load through Vite's module runner, so no TS runner is needed.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

function fail(message) {
  console.error(`eval: ${message}`);
  process.exit(1);
}

const valued = new Set(['--samples', '--guidance', '--test-images', '--temperature', '--seed', '--grid', '--batch']);
const values = {};
const positional = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg.startsWith('--')) {
    if (!valued.has(arg)) fail(`unknown option ${arg} (known: ${[...valued].join(', ')})`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) fail(`${arg} needs a value`);
    values[arg] = value;
    i++;
  } else positional.push(arg);
}
if (positional.length > 1) fail(`one model file at most, got ${positional.join(' ')}`);

function wholeNumber(name, fallback, min) {
  const text = values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= min)) fail(`${name} must be a whole number of at least ${min}, got ${text}`);
  return n;
}

const modelFile = positional[0] ?? 'public/models/mnist-pixelcnn.json';
const samples = wholeNumber('--samples', 512, 1);
const testImages = wholeNumber('--test-images', 2000, 1);
const guidanceText = values['--guidance'];
const guidance = guidanceText === undefined ? undefined : guidanceText.split(',').map((text) => Number(text.trim()));
if (guidance && !guidance.every((w) => Number.isFinite(w) && w >= 0)) {
  fail(`--guidance must be weights of at least 0, separated by commas, got ${guidanceText}`);
}
const seed = wholeNumber('--seed', 1, 0);
const batchSize = wholeNumber('--batch', 128, 1);
const temperatureText = values['--temperature'];
const temperature = temperatureText === undefined ? 1 : Number(temperatureText);
if (!(Number.isFinite(temperature) && temperature >= 0)) fail(`--temperature must be a number of at least 0, got ${temperatureText}`);
const gridFile = values['--grid'] ?? path.join('.cache', 'eval', `samples-${path.basename(modelFile, '.json')}-T${temperature}-s${seed}.png`);

const { module } = await runnerImport(`${root}src/eval/run.ts`, { root, logLevel: 'error' });
try {
  const report = await module.runEval(
    { root, modelFile, samples, guidance, testImages, temperature, seed, gridFile, batchSize, interactive: Boolean(process.stderr.isTTY) },
    (line) => console.error(line),
  );
  for (const line of module.formatReport(report)) console.log(line);
  process.exit(0);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
