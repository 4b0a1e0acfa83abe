import * as tf from '@tensorflow/tfjs';
// Registers the 'webgpu' backend, but only when navigator.gpu exists at import time.
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendInfo, BackendName } from './protocol';

/**
 * Picks the fastest tfjs backend this browser can give the worker: WebGPU,
 * then WebGL, then the CPU. For every backend passed over it keeps a reason
 * the user can read, because "why is this slow?" deserves an answer.
 */
const PREFERENCE: BackendName[] = ['webgpu', 'webgl', 'cpu'];

/** The few fields of GPUAdapterInfo we show; declared here so no GPU type package is needed. */
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

function navigatorGpu(): GpuLike | undefined {
  return (globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined)?.gpu;
}

async function describeWebGPU(): Promise<string> {
  const adapter = await navigatorGpu()?.requestAdapter();
  const info = adapter?.info ?? {};
  const parts = [info.vendor, info.architecture, info.description || info.device].filter((p) => p && p.length > 0);
  const software = info.isFallbackAdapter || adapter?.isFallbackAdapter || info.architecture === 'swiftshader';
  return `${parts.join(' ') || 'unknown adapter'}${software ? ' (software adapter)' : ''}`;
}

function describeWebGL(): string {
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2');
    if (!gl) return 'unknown renderer';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    return String(renderer);
  } catch {
    return 'unknown renderer';
  }
}

async function whyNot(name: BackendName): Promise<string | null> {
  if (name === 'webgpu' && !navigatorGpu()) {
    return 'this browser exposes no WebGPU here (navigator.gpu is missing; it needs a recent Chrome or Edge and a secure origin)';
  }
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') {
    return 'WebGL needs OffscreenCanvas in a worker, which this browser lacks';
  }
  if (!tf.findBackendFactory(name)) return `tfjs has no ${name} backend registered`;
  return null;
}

async function describe(name: BackendName): Promise<string> {
  if (name === 'webgpu') return describeWebGPU();
  if (name === 'webgl') return describeWebGL();
  const threads = globalThis.navigator?.hardwareConcurrency;
  return `JavaScript on the CPU${threads ? ` (${threads} logical cores available)` : ''}`;
}

/** Tries backends in order of preference; `first`, if given, is tried before the rest. */
export async function selectBackend(first?: BackendName): Promise<BackendInfo> {
  const order = first ? [first, ...PREFERENCE.filter((n) => n !== first)] : PREFERENCE;
  const unavailable: BackendInfo['unavailable'] = [];
  for (const name of order) {
    const reason = await whyNot(name);
    if (reason) {
      unavailable.push({ name, reason });
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, adapter: await describe(name), unavailable };
      }
      unavailable.push({ name, reason: `the ${name} backend failed to initialise` });
    } catch (error) {
      unavailable.push({ name, reason: `the ${name} backend failed to initialise: ${errorText(error)}` });
    }
  }
  throw new Error(`No tfjs backend could start: ${unavailable.map((u) => `${u.name}: ${u.reason}`).join('; ')}`);
}

/** Resolves with a message if the GPU device behind the current backend is lost. */
export function whenDeviceLost(): Promise<string> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as WebGPUBackend;
  return backend.device.lost.then((info) => `The GPU device was lost (${info.reason}): ${info.message || 'no details'}`);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
