import * as tf from '@tensorflow/tfjs';
// Each registers its backend on import; WebGPU only when navigator.gpu exists.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerMaskedConvKernels } from '../kernels/webgpu/registerMaskedConvKernels';

/**
 * Registers every tfjs backend the app can use, for any worker that imports
 * it (the engine, the backend-trial workers, the bench).
 */

// The threaded wasm build starts its pthreads with importScripts() of the
// main script, which a bundled module worker cannot serve ("e is not
// defined"); the single-threaded SIMD build works everywhere.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

// The .wasm binaries are bundled with the app: nothing is fetched from elsewhere.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

// maskedConv2d runs the WGSL kernels on WebGPU once they are registered (its
// generic path otherwise); registering them here means the engine and the
// backend trial time the same code.
registerMaskedConvKernels();
