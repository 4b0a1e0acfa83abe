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
import type { BackendName } from '../worker/protocol';
import { benchLeaks, benchSampling, benchTraining } from './benchmarks';
import type { BenchRequest, BenchMessage } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: BenchMessage) => scope.postMessage(message);
const log = (line: string) => post({ type: 'log', line });

async function run(backend: BackendName, sizes: number[], fullSteps: number, trainSteps: number): Promise<void> {
  const info = await selectBackend(backend);
  if (info.name !== backend) throw new Error(`${backend} is not available here: ${info.unavailable.map((u) => u.reason).join('; ')}`);
  log(`backend ${info.name} — ${info.adapter}`);
  // selectBackend registers them too; the bench says so itself so its WebGPU row is known to time them.
  if (backend === 'webgpu') registerMaskedConvKernels();
  const maskedConv = tf.getKernel(MASKED_CONV_KERNELS.forward, tf.getBackend()) ? 'WGSL kernels' : 'open-tap conv2d blocks';
  log(`masked-convolution op on ${info.name}: ${maskedConv}`);
  const sampling = [];
  for (const size of sizes) sampling.push(await benchSampling(size, fullSteps, log));
  const trainStep = await benchTraining(trainSteps, log, backend === 'webgpu' || backend === 'webgl');
  const leaks = await benchLeaks();
  log(`  tensor leaks: ${leaks.train} over 200 training steps, ${leaks.sample} over 5 sampled images`);
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
    },
  });
}

scope.onmessage = (event: MessageEvent<BenchRequest>) => {
  const { backend, sizes, fullSteps, trainSteps } = event.data;
  run(backend, sizes, fullSteps, trainSteps).catch((error) => post({ type: 'error', message: errorText(error) }));
};
