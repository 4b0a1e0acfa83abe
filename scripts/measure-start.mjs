// Which start fits a dropped dataset: held-out bits/dim after the same
// training time, fine-tuned from the nearest shipped model against fresh
// models, on datasets the project does not ship (make them first with
// scripts/make-test-sets.mjs). The runs of one set take turns, a step each,
// in one process on tfjs's wasm backend (one thread), so a busy machine
// slows them alike; each run's clock counts its own steps only. Samples,
// one row per class, go to <out>/<set>-<start>.png and .bin; then
// `/usr/bin/python3 scripts/read_start_samples.py <out>` says what share
// read as their class.
//
//   node scripts/measure-start.mjs letters      START_SECONDS=300 START_SCORE_EVERY=60
//   START_STARTS=fine-tuned,fresh,small (a start may add :<learning rate>)  START_DIR=.test-sets  START_OUT=.test-sets/start  START_PER_CLASS=8

import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const set = process.argv[2] ?? 'letters';
const options = {
  dir: path.resolve(root, process.env.START_DIR ?? '.test-sets'),
  out: path.resolve(root, process.env.START_OUT ?? '.test-sets/start'),
  set,
  seconds: Number(process.env.START_SECONDS ?? 300),
  scoreEvery: Number(process.env.START_SCORE_EVERY ?? 60),
  starts: (process.env.START_STARTS ?? 'fine-tuned,fresh,small').split(','),
  perClass: Number(process.env.START_PER_CLASS ?? 8),
};

const { module: bench } = await runnerImport(`${root}src/bench/startNode.ts`, { root, logLevel: 'error' });
const log = (line) => console.error(line);
const started = Date.now();
const results = await bench.measureStart(root, options, log);

console.log('');
console.log(
  `${set}: ${options.seconds} s of training per start, taking turns in one process (wasm, 1 thread); ` +
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os.loadavg()[0].toFixed(1)} at the end, ` +
    `${Math.round((Date.now() - started) / 1000)} s wall.`,
);
console.log('| start | model | steps | held-out bits/dim at 0 s | … at the end |');
console.log('|---|---|---:|---:|---:|');
for (const r of results) {
  const c = r.config;
  const model = `${c.layers}×${c.hiddenChannels}, head ${c.headChannels}`;
  console.log(`| ${r.start} | ${model} | ${r.steps} | ${r.curve[0].heldOut.toFixed(3)} | ${r.curve.at(-1).heldOut.toFixed(3)} |`);
}
const file = path.join(options.out, `${set}.json`);
writeFileSync(file, JSON.stringify(results, null, 1));
console.log(`Curves: ${path.relative(root, file)}; samples: ${results.map((r) => path.relative(root, r.gridFile)).join(', ')}`);
