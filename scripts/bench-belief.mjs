// What the live belief chart costs sampling at full speed: the default model
// samples 16 images through the app's SamplingSession on tfjs wasm under Node,
// in turns with and without the belief events (src/bench/beliefOverhead.ts).
// `npm run bench -- --only belief-overhead` runs it; so does this file alone.
// Prints progress, a line of figures, then one JSON line. BENCH_BELIEF_RUNS=4 (median of).

import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module: bench } = await runnerImport(`${root}src/bench/beliefOverhead.ts`, { root, logLevel: 'error' });
const row = await bench.benchBeliefOverhead((line) => console.error(line), Number(process.env.BENCH_BELIEF_RUNS ?? 4));
console.error(
  `${row.backend} under Node, default model ${row.size}×${row.size}×${row.colorChannels}, 16 images at full speed: ` +
    `CPU ${row.withoutMs.toFixed(0)} ms without the belief chart, ${row.withMs.toFixed(0)} ms with it (${row.beliefEvents} events for ${row.subPixels} sub-pixels): ` +
    `${row.overheadPercent >= 0 ? '+' : ''}${row.overheadPercent.toFixed(1)}% measured; ` +
    `one event alone costs ${row.eventMicroseconds.toFixed(1)} µs, ${row.eventSharePercent.toFixed(2)}% of a run; ` +
    `inside the runs the belief code took ${row.inRunBeliefMs.toFixed(1)} ms, ${row.inRunSharePercent.toFixed(2)}% of their wall time; wall ${row.withoutWallMs.toFixed(0)} / ${row.withWallMs.toFixed(0)} ms (medians of ${row.runs})`,
);
console.log(JSON.stringify({ beliefOverhead: row }));
