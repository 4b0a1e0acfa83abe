// The docs/BENCHMARKS.md section for the training-kernel bench
// (scripts/bench-training-kernel.mjs), and how scripts/bench.mjs runs it.
import { execFileSync } from 'node:child_process';

/** V8's flag for relaxed SIMD, where this Node has it (Node 20 needs it; later ones may ship relaxed SIMD on and drop it). */
function relaxedSimdFlag() {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  return options.includes('--experimental-wasm-relaxed-simd') ? ['--experimental-wasm-relaxed-simd'] : [];
}

/** Runs the bench in a child Node with relaxed SIMD on where it can be (as browsers run the kernels) and returns its JSON row. */
export function runTrainingKernelBench() {
  const script = new URL('./bench-training-kernel.mjs', import.meta.url).pathname;
  const out = execFileSync(process.execPath, [...relaxedSimdFlag(), script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.trim().split('\n').at(-1);
  return JSON.parse(line).trainingByKernel;
}

export function trainingKernelSection(row) {
  const fmt = (ms) => ms.toFixed(0);
  return [
    '### Training on the SIMD kernels',
    '',
    `Default model, batch of ${row.batch} at 28×28, Adam, under Node on one thread (${row.backend}): tfjs's step against the app's own`,
    `WebAssembly SIMD kernel step (src/model/simd/training), side by side in the same ${row.rounds} rounds; medians.` +
      (row.relaxedSimd ? ' The kernels ran their relaxed-SIMD variant (fused multiply-adds), as browsers run them.' : ''),
    '',
    '| path | ms per step | CPU ms per step | steps/s |',
    '|---|---:|---:|---:|',
    `| tfjs (wasm backend) | ${fmt(row.tfjsMs)} | ${fmt(row.tfjsCpuMs)} | ${(1000 / row.tfjsMs).toFixed(2)} |`,
    `| SIMD kernels | ${fmt(row.kernelMs)} | ${fmt(row.kernelCpuMs)} | ${(1000 / row.kernelMs).toFixed(2)} |`,
    '',
    `The kernels take ${row.speedup.toFixed(2)}× tfjs's steps per second (${row.speedupCpu.toFixed(2)}× in CPU time), in ${row.kernelMemoryMB.toFixed(0)} MB of WebAssembly memory.`,
  ].join('\n');
}
