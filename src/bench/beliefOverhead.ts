/**
 * `npm run bench -- --only belief-overhead` (scripts/bench-belief.mjs loads
 * this through Vite's module runner): what the live belief chart costs a
 * sampling run at full speed. The default model samples a grid of 16 through
 * the app's SamplingSession on tfjs wasm under Node (single-threaded, as the
 * engine worker), in turns with and without the chosen image's belief being
 * sent; each event is structured-cloned, as postMessage would. The
 * figures are CPU time of this process (wasm runs on one thread), which a
 * busy machine disturbs far less than wall time; wall time is printed too.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type PixelCNNConfig, createPixelCNN, pixelBelief, sampleIncremental } from '../model';
import { useNodeBackend } from '../node/backend';
import type { EngineEvent } from '../worker/protocol';
import { SamplingSession } from '../worker/samplingSession';
import { SAMPLE_BATCH, median } from './benchmarks';

export interface BeliefOverheadRow {
  backend: string;
  size: number;
  colorChannels: number;
  /** Median CPU time of a full-speed run of SAMPLE_BATCH images without, then with, the belief events. */
  withoutMs: number;
  withMs: number;
  /** The same runs' median wall time. */
  withoutWallMs: number;
  withWallMs: number;
  /** (with − without) ÷ without, in percent; the issue allows at most 10. */
  overheadPercent: number;
  /** CPU time of one belief event alone (softmax, entropy, structured clone), in microseconds, over many. */
  eventMicroseconds: number;
  /** Belief events per run × their cost, as a share of a run without them: the overhead without the noise. */
  eventSharePercent: number;
  /** Wall time inside the session's belief code during the runs with it (median), and as a share of those runs' wall time. */
  inRunBeliefMs: number;
  inRunSharePercent: number;
  /** Belief events per run, and how many sub-pixels each image has. */
  beliefEvents: number;
  subPixels: number;
  runs: number;
}

async function timeRun(
  config: PixelCNNConfig,
  model: ReturnType<typeof createPixelCNN>,
  belief: boolean,
  seed: number,
): Promise<{ ms: number; wallMs: number; beliefs: number; beliefMs: number }> {
  let beliefs = 0;
  const emit = (event: EngineEvent, transfer?: Transferable[]) => {
    if (event.type === 'sampleBelief') beliefs++;
    // What postMessage does to each event, without a second thread to receive it.
    structuredClone(event, { transfer: transfer as Transferable[] | undefined });
  };
  const labels = config.classes > 0 ? Int32Array.from({ length: SAMPLE_BATCH }, (_, i) => i % config.classes) : undefined;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const session = new SamplingSession(model, sampleIncremental, { count: SAMPLE_BATCH, temperature: 1, seed, delayMs: 0, draw: { kind: 'any' } }, emit, {
    labels,
    belief,
  });
  await session.finished;
  const used = process.cpuUsage(cpu);
  return { ms: (used.user + used.system) / 1000, wallMs: performance.now() - start, beliefs, beliefMs: session.beliefMs };
}

export async function benchBeliefOverhead(log: (line: string) => void, runs = 4, config: PixelCNNConfig = { ...DEFAULT_CONFIG }): Promise<BeliefOverheadRow> {
  const backend = await useNodeBackend('wasm');
  const model = createPixelCNN(config, 1);
  await timeRun(config, model, true, 1); // warm-up: kernels, weights read back once
  const without: number[] = [];
  const withBelief: number[] = [];
  const withoutWall: number[] = [];
  const withWall: number[] = [];
  const inRun: number[] = [];
  const inRunShare: number[] = [];
  let beliefEvents = 0;
  const before = tf.memory().numTensors;
  for (let run = 0; run < runs; run++) {
    // In turns, each first every other run, so a machine that gets busier or quieter weighs on both alike.
    const first = await timeRun(config, model, run % 2 === 1, 10 + run);
    const second = await timeRun(config, model, run % 2 === 0, 10 + run);
    const [off, on] = run % 2 === 0 ? [first, second] : [second, first];
    without.push(off.ms);
    withBelief.push(on.ms);
    withoutWall.push(off.wallMs);
    withWall.push(on.wallMs);
    inRun.push(on.beliefMs);
    inRunShare.push((100 * on.beliefMs) / on.wallMs);
    beliefEvents = on.beliefs;
    log(
      `  run ${run + 1}: CPU without ${off.ms.toFixed(0)} ms, with ${on.ms.toFixed(0)} ms (${on.beliefs} belief events, ${on.beliefMs.toFixed(1)} ms in the belief code); wall ${off.wallMs.toFixed(0)} / ${on.wallMs.toFixed(0)} ms`,
    );
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) log(`  ${leaked} tensors left behind`);
  model.dispose();
  const eventMicroseconds = timeOneEvent(config);
  const withoutMs = median(without);
  const withMs = median(withBelief);
  return {
    backend,
    size: config.height,
    colorChannels: config.colorChannels,
    withoutMs,
    withMs,
    withoutWallMs: median(withoutWall),
    withWallMs: median(withWall),
    overheadPercent: (100 * (withMs - withoutMs)) / withoutMs,
    eventMicroseconds,
    eventSharePercent: (100 * beliefEvents * eventMicroseconds) / 1000 / withoutMs,
    inRunBeliefMs: median(inRun),
    inRunSharePercent: median(inRunShare),
    beliefEvents,
    subPixels: config.height * config.width * config.colorChannels,
    runs,
  };
}

/** The work of one belief event, timed over many: the softmax and entropy of one pixel, then a structured clone as postMessage makes. */
function timeOneEvent(config: PixelCNNConfig): number {
  const { levels, colorChannels } = config;
  const logits = Float32Array.from({ length: colorChannels * levels }, (_, i) => Math.sin(i) * 4);
  const values = new Int32Array(colorChannels);
  const repeats = 2000;
  const cpu = process.cpuUsage();
  for (let i = 0; i < repeats; i++) {
    const belief = pixelBelief(logits, { image: 0, row: 1, col: 2, channels: colorChannels, levels, temperature: 1, known: colorChannels }, values);
    structuredClone({ type: 'sampleBelief', belief }, { transfer: [belief.probabilities.buffer] });
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / repeats;
}
