// A training step of 16 images of the default model: tfjs on wasm
// (model.trainStep, tf.train.adam) against our own SIMD kernels
// (src/model/simd/training), side by side in the same rounds, one thread
// each, under Node (src/bench/trainingKernelNode.ts).
// `npm run bench -- --only training-kernel` runs it; so does this file alone.
// Prints a table, then one JSON line. BENCH_KERNEL_ROUNDS=5 (median of, after 2 untimed steps of each).
// Browsers run the kernels' relaxed-SIMD variant (fused multiply-adds); Node 20 does only with
// `node --experimental-wasm-relaxed-simd scripts/bench-training-kernel.mjs`.

import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module: bench } = await runnerImport(`${root}src/bench/trainingKernelNode.ts`, { root, logLevel: 'error' });
const row = await bench.benchTrainingKernel((line) => console.error(line), Number(process.env.BENCH_KERNEL_ROUNDS ?? 5));
const pad = (text, width) => String(text).padStart(width);
console.error('');
console.error(`Training step of ${row.batch}, default model, ${row.backend}, median of ${row.rounds} rounds`);
console.error(`${'path'.padEnd(22)}${pad('wall ms', 10)}${pad('CPU ms', 10)}${pad('steps/s', 10)}`);
console.error(
  `${'tfjs (wasm backend)'.padEnd(22)}${pad(row.tfjsMs.toFixed(0), 10)}${pad(row.tfjsCpuMs.toFixed(0), 10)}${pad((1000 / row.tfjsMs).toFixed(2), 10)}`,
);
console.error(
  `${'SIMD kernels'.padEnd(22)}${pad(row.kernelMs.toFixed(0), 10)}${pad(row.kernelCpuMs.toFixed(0), 10)}${pad((1000 / row.kernelMs).toFixed(2), 10)}`,
);
console.error(
  `kernels ÷ tfjs steps/s: ${row.speedup.toFixed(2)}× (${row.speedupCpu.toFixed(2)}× in CPU time); kernel memory ${row.kernelMemoryMB.toFixed(0)} MB`,
);
console.log(JSON.stringify({ trainingByKernel: row }));
