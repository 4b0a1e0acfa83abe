// `node scripts/bench-timeline.mjs`: what the learning timeline costs
// training (src/bench/timelineNode.ts). Training steps of the default model
// and strips of the timeline alternate in one run on the tfjs wasm backend
// (one thread under Node); prints each round, the medians and the strip's
// share of training time at the default interval, then one JSON line.
// Environment: BENCH_ROUNDS=5.

import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const { module: bench } = await runnerImport(`${root}src/bench/timelineNode.ts`, { root, logLevel: 'error' });
const log = (line) => console.error(line);
const result = await bench.benchTimeline(rounds, log);
log(
  `training step ${result.stepMs.toFixed(0)} ms (batch ${result.batch}); strip of ${result.stripImages} images at guidance ${result.guidance} ${result.stripMs.toFixed(0)} ms` +
    ` = ${result.stepsPerStrip.toFixed(2)} steps; every ${result.everySeconds} s of training it takes ${(100 * result.share).toFixed(1)}% of the time` +
    (result.leakedTensors ? `; ${result.leakedTensors} tensors left over` : ''),
);
console.log(JSON.stringify({ ...result, config: undefined }));
