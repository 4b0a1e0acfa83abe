/// <reference lib="webworker" />
/**
 * Runs the benchmarks on one backend inside a worker, the way the app runs
 * its engine, and posts log lines and the final result to the bench page.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, describeConfig } from '../model/config';
import { registerMaskedConvKernels } from '../kernels/webgpu/registerMaskedConvKernels';
import { MASKED_CONV_KERNELS } from '../model/maskedConv';
import { selectBackend } from '../worker/backend';
import { errorText } from '../worker/errors';
import { benchLeaks, benchSampling, benchTraining } from './benchmarks';
import type { BenchRequest, BenchMessage } from './protocol';
import { benchTrainingWorkers } from './trainingWorkers';
import { serveTrainingHelper } from '../worker/dataParallel/helperWorker';
import { isTrainingHelper } from '../worker/workerRoles';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: BenchMessage) => scope.postMessage(message);
const log = (line: string) => post({ type: 'log', line });

/** Rounds × steps per round timed for each worker count. */
const WORKER_ROUNDS = 5;
const WORKER_STEPS_PER_ROUND = 3;

async function timeWorkers(counts: number[]) {
  log(`training steps by workers (batch 16, default model): ${counts.join(', ')} workers, ${WORKER_ROUNDS} rounds of ${WORKER_STEPS_PER_ROUND} steps`);
  const rows = await benchTrainingWorkers(counts, WORKER_ROUNDS, WORKER_STEPS_PER_ROUND, log);
  for (const row of rows)
    log(`  ${row.workers} worker${row.workers === 1 ? '' : 's'}: ${row.msPerStep.toFixed(0)} ms/step, ${row.stepsPerSecond.toFixed(2)} steps/s`);
  return rows;
}

async function run({ backend, sizes, fullSteps, trainSteps, trainingWorkers = [], only }: BenchRequest): Promise<void> {
  const info = await selectBackend(backend);
  if (info.name !== backend) throw new Error(`${backend} is not available here: ${info.unavailable.map((u) => u.reason).join('; ')}`);
  log(`backend ${info.name} — ${info.adapter}`);
  if (only === 'training-workers') {
    post({ type: 'trainingWorkers', adapter: info.adapter, rows: await timeWorkers(trainingWorkers) });
    return;
  }
  // selectBackend registers them too; the bench says so itself so its WebGPU row is known to time them.
  if (backend === 'webgpu') registerMaskedConvKernels();
  const maskedConv = tf.getKernel(MASKED_CONV_KERNELS.forward, tf.getBackend()) ? 'WGSL kernels' : 'open-tap conv2d blocks';
  log(`masked-convolution op on ${info.name}: ${maskedConv}`);
  const sampling = [];
  // The sampler's arithmetic runs on the CPU whatever the backend: it is compared with plain JavaScript once, on wasm.
  for (const size of sizes) sampling.push(await benchSampling(size, fullSteps, log, backend === 'wasm'));
  const trainStep = await benchTraining(trainSteps, log, backend === 'webgpu' || backend === 'webgl');
  const leaks = await benchLeaks();
  log(`  tensor leaks: ${leaks.train} over 200 training steps, ${leaks.sample} over 5 sampled images`);
  const trainingByWorkers = backend === 'wasm' && trainingWorkers.length > 0 ? await timeWorkers(trainingWorkers) : undefined;
  post({
    type: 'result',
    result: {
      backend: info.name,
      adapter: info.adapter,
      tfjsBackend: tf.getBackend(),
      maskedConv,
      model: { ...DEFAULT_CONFIG, description: describeConfig(DEFAULT_CONFIG) },
      sampling,
      trainStep,
      leaks: { train: leaks.train, sample: leaks.sample },
      trainingByWorkers,
    },
  });
}

// The training helpers timed here run this same script under a name of their own.
if (isTrainingHelper(scope)) serveTrainingHelper(scope);
else {
  scope.onmessage = (event: MessageEvent<BenchRequest>) => {
    run(event.data).catch((error) => post({ type: 'error', message: errorText(error) }));
  };
}
