import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { PixelCNNConfig } from '../model/config';
import './tfBackends';
import { type MeasureFn, TRIAL_BATCH, TRIAL_STEPS, TooSlowError, runBackendTrial, seconds, trialKey } from './backendTrial';
import { errorText } from './errors';
import { type BackendFigure, type BackendInfo, type BackendName, type BackendTrial, defaultTrainingCores } from './protocol';
import { startTrialWorker } from './trial.worker';
import type { TrialWorkerMessage, TrialWorkerRequest } from './trialWorkerProtocol';

/**
 * Picks the backend the worker runs on. Left to itself, it times the
 * current model on every backend the browser offers (backendTrial.ts) and
 * keeps the fastest, or reuses the figures of an earlier start on the same
 * model and adapters. A first visit does not wait for that trial: it starts
 * on WebAssembly at once, which samples well everywhere, and the engine
 * times the backends later (timeBackends, then adoptTrial), once the first
 * images are drawn or when the user trains. A backend the user names is
 * started without a trial; should it fail, the others follow in a nominal
 * order: a real GPU first, then WebAssembly, which beats both a software GPU
 * (SwiftShader, llvmpipe) and tfjs' plain-JavaScript CPU backend by a wide
 * margin.
 */

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

interface Probed {
  candidates: Candidate[];
  unavailable: BackendInfo['unavailable'];
}

async function probeAll(): Promise<Probed> {
  const unavailable: BackendInfo['unavailable'] = [];
  const probes = [await probeWebGPU(), probeWebGL(), probeCpu('wasm'), probeCpu('cpu')];
  const names: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
  const candidates: Candidate[] = [];
  probes.forEach((probe, i) => {
    if (typeof probe === 'string') unavailable.push({ name: names[i], reason: probe });
    else candidates.push(probe);
  });
  return { candidates, unavailable };
}

/** What an automatic choice needs: the model to time, and the figures of an earlier start if the page kept them. */
export interface AutoChoice {
  config: PixelCNNConfig;
  remembered?: BackendTrial;
}

/**
 * Starts `requested` when the user named a backend; otherwise, given the
 * model (`auto`), the fastest by a remembered trial of the same model and
 * adapters, or with none, WebAssembly at once with the trial still to run
 * (`trialPending`); with neither, the best by rank.
 */
export async function selectBackend(requested?: BackendName, auto?: AutoChoice): Promise<BackendInfo> {
  // A first visit (nothing remembered) starts wasm before asking the GPUs anything: probing them
  // (an adapter, a WebGL context) costs start-up time, and the trial that needs them comes later.
  if (auto && !requested && !auto.remembered && !(await start('wasm')))
    return { ...probeCpu('wasm'), requested: false, unavailable: [], trialPending: 'later' };
  const probed = await probeAll();
  if (requested || !auto) return startRanked(probed, requested);

  const key = trialKey(auto.config, probed.candidates);
  const remembered = auto.remembered;
  if (remembered?.key === key && probed.candidates.some((c) => c.name === remembered.chosen)) {
    return startByTrial(probed, { ...remembered, source: 'remembered' });
  }
  const wasm = probed.candidates.find((c) => c.name === 'wasm');
  const info = wasm && !(await start(wasm.name)) ? { ...wasm, requested: false, unavailable: [] } : await startRanked(probed);
  return { ...info, trialPending: 'later' };
}

/**
 * Times every backend on `config`, each in a trial worker of its own; the
 * engine's backend is left as it is (adoptTrial moves to the fastest).
 */
export async function timeBackends(config: PixelCNNConfig): Promise<BackendTrial> {
  const probed = await probeAll();
  const key = trialKey(config, probed.candidates);
  const measured = await runBackendTrial(probed.candidates, measureInWorkers(config), { key, config, batch: TRIAL_BATCH, steps: TRIAL_STEPS });
  const absent = probed.unavailable.map((u): BackendFigure => ({ name: u.name, adapter: '', software: false, outcome: 'unavailable', note: u.reason }));
  return { ...measured, figures: [...measured.figures, ...absent] };
}

/** Runs on the trial's fastest backend from now on (tensors follow to it when next used). */
export async function adoptTrial(trial: BackendTrial): Promise<BackendInfo> {
  return startByTrial(await probeAll(), trial);
}

/** Starts the trial's choice here; should it fail after all, the next fastest, then the rank order. */
async function startByTrial(probed: Probed, trial: BackendTrial): Promise<BackendInfo> {
  const speed = (f: BackendFigure) => (f.outcome === 'timed' ? (f.msPerStep ?? Infinity) : f.outcome === 'too-slow' ? 1e12 : 1e13);
  const order = [...trial.figures].filter((f) => f.outcome !== 'unavailable').sort((a, b) => speed(a) - speed(b));
  order.sort((a, b) => Number(b.name === trial.chosen) - Number(a.name === trial.chosen));
  const failures: BackendInfo['unavailable'] = [];
  for (const figure of order) {
    const candidate = probed.candidates.find((c) => c.name === figure.name);
    if (!candidate) continue;
    const failure = await start(candidate.name);
    if (failure) {
      failures.push({ name: candidate.name, reason: failure });
      continue;
    }
    const others = trial.figures
      .filter((f) => f.name !== candidate.name && f.outcome !== 'timed' && f.note)
      .map((f) => ({ name: f.name, reason: f.note ?? '' }));
    return {
      name: candidate.name,
      adapter: candidate.adapter,
      software: candidate.software,
      requested: false,
      unavailable: [...failures, ...others],
      trial: { ...trial, chosen: candidate.name },
    };
  }
  return startRanked({ candidates: probed.candidates, unavailable: [...probed.unavailable, ...failures] });
}

/** null when `name` is now the tfjs backend, else why not. */
async function start(name: BackendName): Promise<string | null> {
  try {
    if (!tf.findBackendFactory(name)) return 'tfjs has no such backend registered';
    if (!(await tf.setBackend(name))) return `the ${name} backend failed to initialise`;
    await tf.ready();
    return null;
  } catch (error) {
    return `the ${name} backend failed to initialise: ${errorText(error)}`;
  }
}

/**
 * Starts the best backend by rank, or `requested` first when the user chose
 * one. Backends ranked above the one that starts are listed with the reason
 * they were not used.
 */
async function startRanked(probed: Probed, requested?: BackendName): Promise<BackendInfo> {
  const unavailable = [...probed.unavailable];
  const candidates = [...probed.candidates].sort((a, b) => rank(a) - rank(b));
  if (requested) {
    const index = candidates.findIndex((c) => c.name === requested);
    if (index > 0) candidates.unshift(...candidates.splice(index, 1));
  }

  for (const candidate of candidates) {
    const failure = await start(candidate.name);
    if (failure) {
      unavailable.push({ name: candidate.name, reason: failure });
      continue;
    }
    return {
      name: candidate.name,
      adapter: candidate.adapter,
      software: candidate.software,
      requested: candidate.name === requested,
      unavailable: unavailable.filter((u) => NOMINAL_RANK[u.name] < rank(candidate)).concat(passedOver(candidates, candidate, requested)),
    };
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

/**
 * Time for a trial worker to load tfjs, start its backend and build the model before its deadline starts.
 * The trial runs in the background (lateTrial.ts), so a busy machine gets time rather than a failure.
 */
const WORKER_STARTUP_MS = 30_000;
/** Slack for messages between the workers on top of a step's deadline. */
const MESSAGE_SLACK_MS = 500;

/**
 * Times each candidate in a worker of its own, which is terminated once it
 * reports or overruns its deadline. The deadline runs from the worker's
 * `ready`, so loading tfjs does not count against a backend.
 */
function measureInWorkers(config: PixelCNNConfig): MeasureFn {
  return (candidate, { stepDeadlineMs, compileDeadlineMs, signal }) =>
    new Promise((resolve, reject) => {
      const worker = startTrialWorker(candidate.name);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        worker.terminate();
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const onAbort = () => finish(() => reject(new Error('the trial was stopped')));
      const arm = (ms: number, onExpiry: () => Error) => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(() => reject(onExpiry())), ms);
      };
      signal.addEventListener('abort', onAbort);
      arm(WORKER_STARTUP_MS, () => new Error(`it did not start within ${seconds(WORKER_STARTUP_MS)}`));
      worker.onmessage = (event: MessageEvent<TrialWorkerMessage>) => {
        const message = event.data;
        switch (message.type) {
          // These catch a worker whose thread is stuck (WebGL compiles synchronously), which cannot report itself.
          case 'ready':
            arm(compileDeadlineMs + stepDeadlineMs + MESSAGE_SLACK_MS, () => new TooSlowError(compileDeadlineMs, 'its first forward passes'));
            return;
          case 'gated':
            arm(compileDeadlineMs + MESSAGE_SLACK_MS, () => new TooSlowError(compileDeadlineMs, 'its warm-up step'));
            return;
          case 'warmedUp':
            arm(TRIAL_STEPS * stepDeadlineMs + MESSAGE_SLACK_MS, () => new TooSlowError(stepDeadlineMs));
            return;
          // wasm's steps shared with helper workers; past its budget the worker reports its one-core figure itself.
          case 'sharing':
            arm(message.budgetMs + TRIAL_STEPS * stepDeadlineMs + MESSAGE_SLACK_MS, () => new TooSlowError(stepDeadlineMs, 'its steps on several cores'));
            return;
          case 'done':
            finish(() => resolve(message.timing));
            return;
          case 'tooSlow':
            finish(() => reject(new TooSlowError(message.limitMs, message.what, message.estimateMs)));
            return;
          case 'failed':
            finish(() => reject(new Error(message.message)));
            return;
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        finish(() => reject(new Error(event.message || 'its trial worker crashed')));
      };
      // wasm is timed as it trains: on every core, its batch shared with helper workers.
      const cores = candidate.name === 'wasm' ? defaultTrainingCores(globalThis.navigator?.hardwareConcurrency) : 1;
      const request: TrialWorkerRequest = { backend: candidate.name, config, batch: TRIAL_BATCH, steps: TRIAL_STEPS, stepDeadlineMs, compileDeadlineMs, cores };
      worker.postMessage(request);
    });
}

/** Resolves with a message if the GPU device behind the current backend is lost. */
export function whenDeviceLost(): Promise<string> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as WebGPUBackend;
  return backend.device.lost.then((info) => `The GPU device was lost (${info.reason}): ${info.message || 'no details'}`);
}
