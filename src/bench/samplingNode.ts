/**
 * The Node side of `npm run bench -- --only sampling-node` (scripts/bench.mjs
 * loads it through Vite's module runner): the incremental sampler of the
 * default model against one forward pass of the batch, on tfjs wasm under
 * Node (single-threaded, as in the app's worker). Quicker to run than the
 * browser bench, for working on the sampler's arithmetic.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, createPixelCNN, sampleIncremental } from '../model';
import { useNodeBackend } from '../node/backend';
import { SAMPLE_BATCH, median } from './benchmarks';

export interface SamplingNodeRow {
  backend: string;
  size: number;
  forwardMs: number;
  incrementalBatchMs: number;
  samplingOverForward: number;
  /** The same ratio in CPU time of this process, which a busy machine disturbs far less than wall time (wasm runs on this one thread). */
  samplingOverForwardCpu: number;
  /** tfjs tensors left behind by one sampling run (0 when nothing leaks). */
  leakedTensors: number;
  /** The same batch sampled with classifier-free guidance (weight 2), median ms, timed in the same rounds. */
  guidedBatchMs: number;
  /** Guided ÷ unguided sampling of the batch, from the same rounds. */
  guidedOverUnguided: number;
}

export async function benchSamplingNode(log: (line: string) => void, runs = 3): Promise<SamplingNodeRow> {
  const backend = await useNodeBackend('wasm');
  const config = { ...DEFAULT_CONFIG };
  const model = createPixelCNN(config, 1);
  const images = tf.randomUniformInt([SAMPLE_BATCH, config.height, config.width, config.colorChannels], 0, config.levels, 2) as tf.Tensor4D;
  const labelValues = config.classes > 0 ? Int32Array.from({ length: SAMPLE_BATCH }, (_, i) => i % config.classes) : undefined;
  const labels = labelValues && tf.tensor1d(labelValues, 'int32');
  const forward = async () => {
    const total = tf.tidy(() => model.logits(images, labels).sum());
    await total.data();
    total.dispose();
  };
  // One untimed run of each first: tfjs' buffers for the forward pass, the JIT for the sampler.
  await forward();
  await sampleIncremental(model, { count: SAMPLE_BATCH, seed: 3, temperature: 1, labels: labelValues });
  await sampleIncremental(model, { count: SAMPLE_BATCH, seed: 3, temperature: 1, labels: labelValues, guidance: 2 });
  const forwardTimes: number[] = [];
  const sampleTimes: number[] = [];
  const guidedTimes: number[] = [];
  const forwardCpu: number[] = [];
  const sampleCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let leakedTensors = 0;
  for (let run = 0; run < runs; run++) {
    let start = performance.now();
    let cpu = process.cpuUsage();
    await forward();
    forwardTimes.push(performance.now() - start);
    forwardCpu.push(cpuMs(cpu));
    const before = tf.memory().numTensors;
    start = performance.now();
    cpu = process.cpuUsage();
    await sampleIncremental(model, { count: SAMPLE_BATCH, seed: 4 + run, temperature: 1, labels: labelValues });
    sampleTimes.push(performance.now() - start);
    sampleCpu.push(cpuMs(cpu));
    start = performance.now();
    await sampleIncremental(model, { count: SAMPLE_BATCH, seed: 4 + run, temperature: 1, labels: labelValues, guidance: 2 });
    guidedTimes.push(performance.now() - start);
    leakedTensors = Math.max(leakedTensors, tf.memory().numTensors - before);
    log(
      `  run ${run + 1}: forward ${forwardTimes.at(-1)!.toFixed(1)} ms (CPU ${forwardCpu.at(-1)!.toFixed(0)}), incremental ${sampleTimes.at(-1)!.toFixed(1)} ms ` +
        `(CPU ${sampleCpu.at(-1)!.toFixed(0)}), guided ${guidedTimes.at(-1)!.toFixed(1)} ms`,
    );
  }
  images.dispose();
  labels?.dispose();
  model.dispose();
  const forwardMs = median(forwardTimes);
  const incrementalBatchMs = median(sampleTimes);
  const samplingOverForwardCpu = median(sampleCpu) / median(forwardCpu);
  const guidedBatchMs = median(guidedTimes);
  return {
    backend,
    size: config.height,
    forwardMs,
    incrementalBatchMs,
    samplingOverForward: incrementalBatchMs / forwardMs,
    samplingOverForwardCpu,
    leakedTensors,
    guidedBatchMs,
    guidedOverUnguided: guidedBatchMs / incrementalBatchMs,
  };
}
