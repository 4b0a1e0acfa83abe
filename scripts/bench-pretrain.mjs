// `npm run bench:pretrain`: pretraining throughput of the shipped model's
// settings (src/pretrain/schedule.ts) on the wasm backend under Node, with
// each batch on one thread and shared across 2 (or more) threads.
// Prints a table of medians, then one JSON line.
//
//   BENCH_THREADS=1,2   BENCH_STEPS=10   BENCH_WARMUP=2

import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const threadCounts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const steps = Number(process.env.BENCH_STEPS ?? 10);
const warmup = Math.max(1, Number(process.env.BENCH_WARMUP ?? 2));

const { module: bench } = await runnerImport(`${root}src/bench/pretrainNode.ts`, { root, logLevel: 'error' });
const rows = await bench.benchPretrain(root, threadCounts, steps, warmup, (line) => console.error(line));

const s = bench.benchSettings;
const c = s.config;
const base = rows.find((row) => row.threads === 1);
console.log('');
console.log(`Pretraining step: ${c.layers} layers of ${c.hiddenChannels}, ${c.kernelSize}×${c.kernelSize}, head ${c.headChannels}, level embedding ${c.inputEmbedding}, ` +
  `${c.height}×${c.width}, ${c.levels} levels, batch ${s.batchSize}, Adam, wasm. ${os.cpus().length} CPUs, ` +
  `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
console.log('');
console.log('| threads | step median ms | min ms | images/s | speed-up |');
console.log('|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const speedup = base ? `${(base.medianMs / row.medianMs).toFixed(2)}×` : '—';
  console.log(`| ${row.threads} | ${row.medianMs.toFixed(0)} | ${row.minMs.toFixed(0)} | ${row.imagesPerSecond.toFixed(1)} | ${speedup} |`);
}
console.log(JSON.stringify({ bench: 'pretrain', config: c, batchSize: s.batchSize, steps, rows }));
