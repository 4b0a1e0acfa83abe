/**
 * The Node side of `npm run bench -- --only training-kernel`
 * (scripts/bench-training-kernel.mjs loads it through Vite's module runner):
 * a training step of 16 images of the default model, tfjs on its wasm
 * backend (model.trainStep with tf.train.adam) against the SIMD kernel step
 * (src/model/simd/training), side by side in the same rounds, both on one
 * thread. Wall and CPU time medians; the CPU time of this process is the
 * steadier figure on a busy machine.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, createPixelCNN } from '../model';
import { relaxedSimdAvailable } from '../model/simd/training/module';
import { KernelTrainer } from '../model/simd/training/kernelTrainer';
import { useNodeBackend } from '../node/backend';
import { median } from './benchmarks';

export const KERNEL_BENCH_BATCH = 16;

export interface TrainingKernelRow {
  backend: string;
  batch: number;
  rounds: number;
  tfjsMs: number;
  kernelMs: number;
  tfjsCpuMs: number;
  kernelCpuMs: number;
  /** tfjs ms ÷ kernel ms: how many times the kernel step's steps/s. */
  speedup: number;
  speedupCpu: number;
  /** WebAssembly memory the kernel trainer holds for this batch. */
  kernelMemoryMB: number;
  /** Whether the kernels ran their relaxed-SIMD variant (fused multiply-adds): browsers yes, Node 20 only with --experimental-wasm-relaxed-simd. */
  relaxedSimd: boolean;
}

export async function benchTrainingKernel(log: (line: string) => void, rounds = 5): Promise<TrainingKernelRow> {
  const backend = await useNodeBackend('wasm');
  const config = { ...DEFAULT_CONFIG };
  const batch = KERNEL_BENCH_BATCH;
  const model = createPixelCNN(config, 1);
  const trainer = await KernelTrainer.create(model);
  const optimizer = tf.train.adam(1e-3);
  const size = batch * config.height * config.width * config.colorChannels;
  let seed = 9;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const images = () => Int32Array.from({ length: size }, () => Math.floor(random() * config.levels));
  const labels = config.classes > 0 ? Int32Array.from({ length: batch }, (_, i) => i % config.classes) : undefined;
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const tfjsStep = async (pixels: Int32Array) => {
    const x = tf.tensor4d(pixels, [batch, config.height, config.width, config.colorChannels], 'int32');
    const y = labels && tf.tensor1d(labels, 'int32');
    const loss = model.trainStep(x, optimizer, y);
    await loss.data();
    tf.dispose([loss, x, y]);
  };
  const kernelStep = (pixels: Int32Array) => trainer.step(pixels, batch, labels, 1e-3);
  // Untimed: tfjs's buffers and V8's tiers for both.
  for (let i = 0; i < 2; i++) {
    await tfjsStep(images());
    kernelStep(images());
  }
  const tfjs: number[] = [];
  const kernel: number[] = [];
  const tfjsCpu: number[] = [];
  const kernelCpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pixels = images();
    let start = performance.now();
    let cpu = process.cpuUsage();
    await tfjsStep(pixels);
    tfjs.push(performance.now() - start);
    tfjsCpu.push(cpuMs(cpu));
    start = performance.now();
    cpu = process.cpuUsage();
    kernelStep(pixels);
    kernel.push(performance.now() - start);
    kernelCpu.push(cpuMs(cpu));
    log(`  round ${round + 1}: tfjs ${tfjs[round].toFixed(0)} ms, kernels ${kernel[round].toFixed(0)} ms`);
  }
  const row: TrainingKernelRow = {
    backend,
    batch,
    rounds,
    tfjsMs: median(tfjs),
    kernelMs: median(kernel),
    tfjsCpuMs: median(tfjsCpu),
    kernelCpuMs: median(kernelCpu),
    speedup: median(tfjs) / median(kernel),
    speedupCpu: median(tfjsCpu) / median(kernelCpu),
    kernelMemoryMB: trainer.bytes / 2 ** 20,
    relaxedSimd: relaxedSimdAvailable(),
  };
  optimizer.dispose();
  model.dispose();
  trainer.dispose();
  return row;
}
