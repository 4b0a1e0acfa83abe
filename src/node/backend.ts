/**
 * tfjs backends for the Node scripts (the benchmark and pretraining). The
 * wasm binaries load from the installed package, never from the network.
 */
import * as tf from '@tensorflow/tfjs';
// Static: the module runner that loads these files closes after loading them.
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

export type NodeBackend = 'wasm' | 'cpu';

/** Registers and selects a backend; the wasm binaries load from the installed package. */
export async function useNodeBackend(name: NodeBackend): Promise<string> {
  if (name === 'wasm') {
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(entry) + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
    await tf.ready();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
    const threads = wasm.getThreadsCount();
    return `wasm (${simd}, ${threads} thread${threads === 1 ? '' : 's'})`;
  }
  if (!(await tf.setBackend(name))) throw new Error(`the tfjs ${name} backend failed to initialise`);
  await tf.ready();
  return name;
}
