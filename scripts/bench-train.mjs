// `npm run bench:train`: training-step time of the default PixelCNN (7 layers,
// 32 channels, 7×7 kernels, 28×28×1, 256 levels, batch 8, Adam) under Node,
// on the tfjs wasm and CPU backends, the masked-convolution op against plain
// conv2d on weight × mask, and PyTorch on the CPU side by side
// (scripts/bench_pytorch.py, skipped when torch is missing).
// Prints a table of medians, then one JSON line.
//
// TypeScript sources load through Vite's module runner (runnerImport), so no
// TS runner is needed. Environment:
//   BENCH_BACKENDS=wasm,cpu   BENCH_WASM_STEPS=10   BENCH_CPU_STEPS=1 (a CPU step takes 10–100 s)
//   BENCH_TORCH_STEPS=20      BENCH_TORCH_THREADS=2  PYTHON=/usr/bin/python3
//   BENCH_TORCH=0 skips PyTorch; BENCH_CPU_REFERENCE=1 adds plain conv2d on the
//   CPU backend (~15 min for one step).
// The wasm backend runs single-threaded under Node (tfjs turns wasm threads
// off there); in a cross-origin-isolated page it uses threads.

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',').filter(Boolean);
const steps = { wasm: Number(process.env.BENCH_WASM_STEPS ?? 10), cpu: Number(process.env.BENCH_CPU_STEPS ?? 1) };
const torchSteps = Number(process.env.BENCH_TORCH_STEPS ?? 20);
const torchThreads = Number(process.env.BENCH_TORCH_THREADS ?? 2);

const { module: bench } = await runnerImport(`${root}src/bench/trainNode.ts`, { root, logLevel: 'error' });
const log = (line) => console.error(line);
const runs = [];
const skipped = [];
for (const backend of backends) {
  runs.push({ backend, convolution: 'open-taps', steps: steps[backend] ?? 5 });
  // tfjs-backend-cpu's Conv2DBackpropInput/Filter are plain loops: one reference step took ~15 min here.
  if (backend === 'cpu' && process.env.BENCH_CPU_REFERENCE !== '1')
    skipped.push({ backend, reason: 'skipped: one step takes ~15 min (BENCH_CPU_REFERENCE=1 to run it)' });
  else runs.push({ backend, convolution: 'reference', steps: steps[backend] ?? 5 });
}
const rows = await bench.benchTrainNode(runs, log);

function runPyTorch() {
  if (process.env.BENCH_TORCH === '0') return { error: 'skipped (BENCH_TORCH=0)' };
  const m = bench.benchModel;
  const args = [
    `${root}scripts/bench_pytorch.py`,
    '--json',
    '--steps',
    String(torchSteps),
    '--threads',
    String(torchThreads),
    '--batch',
    String(m.batch),
    '--size',
    String(m.height),
    '--hidden',
    String(m.hiddenChannels),
    '--layers',
    String(m.layers),
    '--kernel',
    String(m.kernelSize),
    '--levels',
    String(m.levels),
    '--colors',
    String(m.colorChannels),
  ];
  const pythons = process.env.PYTHON ? [process.env.PYTHON] : ['/usr/bin/python3', 'python3'];
  let lastError = 'no python3 found';
  for (const python of pythons) {
    log(`PyTorch (${python}), ${torchThreads} threads: ${torchSteps} steps…`);
    const run = spawnSync(python, args, { encoding: 'utf8' });
    if (run.status === 0) {
      const result = JSON.parse(run.stdout.trim().split('\n').pop());
      log(`  median ${result.stepMsMedian} ms/step`);
      return result;
    }
    lastError = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n').pop();
  }
  log(`  PyTorch not run: ${lastError} (Debian: apt-get install python3-torch)`);
  return { error: lastError };
}
const torch = runPyTorch();

const fmt = (v, digits = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const m = bench.benchModel;
console.log('');
console.log(
  `Training step: ${m.layers} layers, ${m.hiddenChannels} channels, ${m.kernelSize}×${m.kernelSize} kernels, ` +
    `${m.height}×${m.width}×${m.colorChannels}, ${m.levels} levels, batch ${m.batch}, Adam. ` +
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
);
console.log('');
console.log('| backend | convolution | train step median ms | min ms | forward ms | ÷ PyTorch (median, min) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const row of rows) {
  const ratio = row.timing && torch.stepMsMedian ? `${fmt(row.timing.medianMs / torch.stepMsMedian, 2)}×, ${fmt(row.timing.minMs / torch.stepMsMin, 2)}×` : '—';
  const median = row.timing ? fmt(row.timing.medianMs) : `cannot train: ${row.error}`;
  console.log(`| ${row.detail} | ${row.convolution} | ${median} | ${fmt(row.timing?.minMs)} | ${fmt(row.forwardMs ?? row.timing?.forwardMs)} | ${ratio} |`);
}
for (const { backend, reason } of skipped) console.log(`| ${backend} | reference | ${reason} | | | |`);
if (torch.stepMsMedian) {
  console.log(`| ${torch.framework}, ${torch.threads} threads | conv2d(x, w ⊙ mask) | ${fmt(torch.stepMsMedian)} | ${fmt(torch.stepMsMin)} | — | 1× |`);
} else {
  console.log(`| PyTorch | — | not run: ${torch.error} | | | |`);
}

const summary = {
  model: m,
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  tfjs: rows
    .map((r) => ({
      backend: r.detail,
      convolution: r.convolution,
      stepMsMedian: r.timing ? Number(r.timing.medianMs.toFixed(2)) : null,
      stepMsMin: r.timing ? Number(r.timing.minMs.toFixed(2)) : null,
      forwardMs: r.forwardMs != null ? Number(r.forwardMs.toFixed(2)) : null,
      steps: r.timing?.steps ?? 0,
      ...(r.timing && torch.stepMsMedian
        ? {
            overPyTorchMedian: Number((r.timing.medianMs / torch.stepMsMedian).toFixed(2)),
            overPyTorchMin: Number((r.timing.minMs / torch.stepMsMin).toFixed(2)),
          }
        : {}),
      ...(r.error ? { error: r.error } : {}),
    }))
    .concat(skipped.map((s) => ({ backend: s.backend, convolution: 'reference', stepMsMedian: null, skipped: s.reason }))),
  pytorch: torch,
};
console.log('');
console.log(JSON.stringify(summary));
process.exit(0);
