import { TRAINING_KERNELS_RELAXED_WASM_BASE64, TRAINING_KERNELS_WASM_BASE64 } from './kernels.generated';

/**
 * The compiled kernels the training step runs: the whole of kernels.wat (the
 * samplers load only their part of it), in its relaxed-SIMD variant (fused
 * multiply-adds in the products, scripts/wasm-kernels.mjs) where the engine
 * validates it, else plain.
 */

let compiled: { module: WebAssembly.Module | null; relaxed: boolean } | undefined;

function compile(base64: string): WebAssembly.Module | null {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
}

/** The module for the training kernels; null where WebAssembly SIMD is missing. */
export function trainingKernelsModule(): WebAssembly.Module | null {
  if (!compiled) {
    const relaxed = compile(TRAINING_KERNELS_RELAXED_WASM_BASE64);
    compiled = relaxed ? { module: relaxed, relaxed: true } : { module: compile(TRAINING_KERNELS_WASM_BASE64), relaxed: false };
  }
  return compiled.module;
}

/** Whether the training kernels run with relaxed SIMD's fused multiply-adds here. */
export function relaxedSimdAvailable(): boolean {
  trainingKernelsModule();
  return compiled!.relaxed;
}
