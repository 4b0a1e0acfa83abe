import * as tf from '@tensorflow/tfjs';
// Each registers its backend on import; WebGPU only when navigator.gpu exists.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerMaskedConvKernels } from '../kernels/webgpu/registerMaskedConvKernels';
import { errorText } from './errors';
import type { BackendInfo, BackendName } from './protocol';

/**
 * Picks the backend the worker trains on. A real GPU comes first (WebGPU,
 * then WebGL). Without one, WebAssembly on the CPU beats both a software GPU
 * (SwiftShader, llvmpipe) and tfjs' plain-JavaScript CPU backend by a wide
 * margin, so it comes next; software GPUs and the CPU backend are last
 * resorts. For every backend passed over the user gets a reason.
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

/** The few fields of GPUAdapterInfo we use; declared here so no GPU type package is needed. */
interface AdapterFacts {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: AdapterFacts; isFallbackAdapter?: boolean } | null>;
}

interface Candidate {
  name: BackendName;
  adapter: string;
  software: boolean;
}

function navigatorGpu(): GpuLike | undefined {
  return (globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined)?.gpu;
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render/i;

async function probeWebGPU(): Promise<Candidate | string> {
  const gpu = navigatorGpu();
  if (!gpu) return 'this browser exposes no WebGPU here (navigator.gpu is missing; it needs a recent Chrome or Edge and a secure origin)';
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return 'the browser has WebGPU but offered no adapter';
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.description || info.device].filter((p) => p && p.length > 0);
  const software = Boolean(info.isFallbackAdapter || adapter.isFallbackAdapter || SOFTWARE_RENDERERS.test(parts.join(' ')));
  return { name: 'webgpu', adapter: `${parts.join(' ') || 'unknown adapter'}${software ? ' (software adapter)' : ''}`, software };
}

function probeWebGL(): Candidate | string {
  if (typeof OffscreenCanvas === 'undefined') return 'WebGL needs OffscreenCanvas in a worker, which this browser lacks';
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'this browser offers no WebGL 2 context in a worker';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    const software = SOFTWARE_RENDERERS.test(renderer);
    return { name: 'webgl', adapter: `${renderer}${software ? ' (software renderer)' : ''}`, software };
  } catch (error) {
    return `WebGL could not start: ${errorText(error)}`;
  }
}

function probeCpu(name: 'wasm' | 'cpu'): Candidate {
  const cores = globalThis.navigator?.hardwareConcurrency;
  const where = cores ? ` (${cores} logical cores)` : '';
  return name === 'wasm'
    ? { name, adapter: `WebAssembly on the CPU${where}`, software: false }
    : { name, adapter: `plain JavaScript on the CPU${where}`, software: false };
}

const NOMINAL_RANK: Record<BackendName, number> = { webgpu: 0, webgl: 1, wasm: 2, cpu: 5 };

/** Best first: hardware GPUs, then wasm, then software GPUs, then the JavaScript CPU backend. */
function rank(candidate: Candidate): number {
  return candidate.software ? 3 + NOMINAL_RANK[candidate.name] / 10 : NOMINAL_RANK[candidate.name];
}

/**
 * Starts the best backend, or `requested` first when the user chose one.
 * Backends ranked above the one that starts are listed with the reason they
 * were not used.
 */
export async function selectBackend(requested?: BackendName): Promise<BackendInfo> {
  const unavailable: BackendInfo['unavailable'] = [];
  const probes = [await probeWebGPU(), probeWebGL(), probeCpu('wasm'), probeCpu('cpu')];
  const names: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
  const candidates: Candidate[] = [];
  probes.forEach((probe, i) => {
    if (typeof probe === 'string') unavailable.push({ name: names[i], reason: probe });
    else candidates.push(probe);
  });
  candidates.sort((a, b) => rank(a) - rank(b));
  if (requested) {
    const index = candidates.findIndex((c) => c.name === requested);
    if (index > 0) candidates.unshift(...candidates.splice(index, 1));
  }

  for (const candidate of candidates) {
    try {
      if (!tf.findBackendFactory(candidate.name)) throw new Error('tfjs has no such backend registered');
      if (await tf.setBackend(candidate.name)) {
        await tf.ready();
        // maskedConv2d runs the WGSL kernels once they are registered, and its generic path otherwise.
        if (candidate.name === 'webgpu') registerMaskedConvKernels();
        return {
          name: candidate.name,
          adapter: candidate.adapter,
          software: candidate.software,
          requested: candidate.name === requested,
          unavailable: unavailable
            .filter((u) => NOMINAL_RANK[u.name] < rank(candidate))
            .concat(passedOver(candidates, candidate, requested)),
        };
      }
      unavailable.push({ name: candidate.name, reason: `the ${candidate.name} backend failed to initialise` });
    } catch (error) {
      unavailable.push({ name: candidate.name, reason: `the ${candidate.name} backend failed to initialise: ${errorText(error)}` });
    }
  }
  throw new Error(`No tfjs backend could start: ${unavailable.map((u) => `${u.name}: ${u.reason}`).join('; ')}`);
}

/** Software GPUs that lost to the chosen backend on rank, with the reason. */
function passedOver(candidates: Candidate[], chosen: Candidate, requested?: BackendName): BackendInfo['unavailable'] {
  if (requested === chosen.name) return [];
  return candidates
    .filter((c) => c.software && rank(c) > rank(chosen) && c.name !== chosen.name)
    .map((c) => ({ name: c.name, reason: `only a software adapter is available (${c.adapter}), which trains slower than ${chosen.name} on the CPU` }));
}

/** Resolves with a message if the GPU device behind the current backend is lost. */
export function whenDeviceLost(): Promise<string> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as WebGPUBackend;
  return backend.device.lost.then((info) => `The GPU device was lost (${info.reason}): ${info.message || 'no details'}`);
}
