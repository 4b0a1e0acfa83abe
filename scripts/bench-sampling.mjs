// Sampling on tfjs wasm under Node: the default model's incremental sampler
// against one forward pass of a batch of 16 (src/bench/samplingNode.ts).
// `npm run bench -- --only sampling-node` runs it; so does this file alone.
// Prints progress, then one JSON line. BENCH_SAMPLING_RUNS=3 (median of, after one untimed run of each); use 5 or more for steadier figures.

import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module: bench } = await runnerImport(`${root}src/bench/samplingNode.ts`, { root, logLevel: 'error' });
const row = await bench.benchSamplingNode((line) => console.error(line), Number(process.env.BENCH_SAMPLING_RUNS ?? 3));
console.error(
  `wasm under Node, ${row.size}×${row.size}, batch of 16: forward ${row.forwardMs.toFixed(1)} ms, incremental ${row.incrementalBatchMs.toFixed(1)} ms, ${row.samplingOverForward.toFixed(2)} forward passes (${row.samplingOverForwardCpu.toFixed(2)} in CPU time); guided (weight 2) ${row.guidedBatchMs.toFixed(1)} ms, ${row.guidedOverUnguided.toFixed(2)}× unguided; ${row.leakedTensors} tensors leaked`,
);
console.log(JSON.stringify({ samplingNode: row }));
