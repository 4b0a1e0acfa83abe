// `npm run bench:pretrain`: pretraining throughput of the shipped model's
// settings (src/pretrain/schedule.ts) on both engines of `npm run pretrain`,
// side by side in one run: tfjs's wasm backend under Node (each batch on one
// thread, or shared across 2 or more) and the PyTorch twin (1, 2, … torch
// threads; skipped with a notice where python3 has no torch).
// Prints a table of medians, then one JSON line.
//
//   BENCH_THREADS=1,2   BENCH_STEPS=10   BENCH_WARMUP=2   BENCH_ENGINES=wasm,torch

import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const threadCounts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const steps = Number(process.env.BENCH_STEPS ?? 10);
const warmup = Math.max(1, Number(process.env.BENCH_WARMUP ?? 2));
const engines = (process.env.BENCH_ENGINES ?? 'wasm,torch').split(',');

const { module: bench } = await runnerImport(`${root}src/bench/pretrainNode.ts`, { root, logLevel: 'error' });
const log = (line) => console.error(line);
const rows = [];
if (engines.includes('wasm')) rows.push(...(await bench.benchPretrain(root, threadCounts, steps, warmup, log)));
if (engines.includes('torch')) {
  const { python, available } = bench.torchEngineHere();
  if (available) rows.push(...bench.benchTorchPretrain(root, threadCounts, steps, warmup, log));
  else log(`torch: skipped, ${python} cannot import torch (Debian: apt-get install python3-torch)`);
}

const s = bench.benchSettings;
const c = s.config;
const kernels =
  c.firstKernelSize === c.kernelSize ? `${c.kernelSize}×${c.kernelSize}` : `${c.firstKernelSize}×${c.firstKernelSize} then ${c.kernelSize}×${c.kernelSize}`;
const wasmAt = (threads) => rows.find((row) => row.engine === 'wasm' && row.threads === threads);
console.log('');
console.log(
  `Pretraining step: ${c.architecture === 'gated' ? 'Gated PixelCNN' : 'PixelCNN'}, ${c.layers} layers of ${c.hiddenChannels}, ${kernels}, ` +
    `head ${c.headChannels}, level embedding ${c.inputEmbedding}, position ${c.position ? 'on' : 'off'}, ${c.classes} classes, ` +
    `${c.height}×${c.width}, ${c.levels} levels, batch ${s.batchSize}, Adam. ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
);
console.log('');
console.log('| engine | threads | step median ms | min ms | images/s | vs wasm, same threads |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const wasm = wasmAt(row.threads);
  const versus = wasm ? `${(wasm.medianMs / row.medianMs).toFixed(2)}×` : '—';
  console.log(`| ${row.backend} | ${row.threads} | ${row.medianMs.toFixed(0)} | ${row.minMs.toFixed(0)} | ${row.imagesPerSecond.toFixed(1)} | ${versus} |`);
}
console.log(JSON.stringify({ bench: 'pretrain', config: c, batchSize: s.batchSize, steps, rows }));
