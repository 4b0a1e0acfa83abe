import * as tf from '@tensorflow/tfjs';
import { CONFIG_FIELDS, createPixelCNN, type PixelCNNConfig } from '../model';
import { KernelTrainer } from '../model/simd/training/kernelTrainer';
import { errorText } from './errors';
import type { BackendFigure, BackendName, BackendTrial } from './protocol';
import { trainsOnKernels } from './trainer';

/**
 * Chooses the training backend by timing it. Which backend is fastest
 * depends on the model as much as on the device: a small network is
 * dominated by per-op overhead that a GPU cannot hide, and a software GPU
 * (SwiftShader) can be 50× slower than WebAssembly on the same CPU. So each
 * candidate trains the current model for a few steps and the fastest wins.
 *
 * A slow backend must not hold start-up hostage (one SwiftShader step of the
 * default model takes half a minute), so WebAssembly, usually quick, is
 * timed first and every later candidate gets a deadline for its first step
 * that is a multiple of the best time so far; past it, the candidate is
 * abandoned as too slow. The plain-JavaScript CPU backend is timed only when
 * nothing else works, since it is never the fastest where anything else runs.
 *
 * The orchestration here is independent of where a trial runs: the worker
 * runs each one in a throwaway worker it can terminate, tests run them in
 * process (timeTrainingSteps).
 */

export interface TrialCandidate {
  name: BackendName;
  adapter: string;
  software: boolean;
}

export interface StepTiming {
  /** The first step: shader compilation, buffer pools, the optimizer's slots. */
  warmUpMs: number;
  /** Median of the timed steps after it. */
  msPerStep: number;
  /** The cores that shared each timed step (wasm, src/worker/dataParallel); absent: one. */
  cores?: number;
}

/** A candidate that overran its deadline, or that a forward pass showed would. */
export class TooSlowError extends Error {
  override name = 'TooSlowError';
  constructor(
    readonly limitMs: number,
    /** What overran, e.g. "its first forward pass". */
    readonly what = 'a training step',
    /** A training step's time as estimated from a forward pass, when that is how it was judged. */
    readonly estimateMs?: number,
  ) {
    super(estimateMs === undefined ? `${what} took longer than ${seconds(limitMs)}` : `a training step would take about ${seconds(estimateMs)}`);
  }
}

export interface TrialLimits {
  /** Each timed step must finish within this. */
  stepDeadlineMs: number;
  /** The passes that compile shaders (the first forward pass, the warm-up step) must finish within this. */
  compileDeadlineMs: number;
  /** Aborted when the trial gives up on the candidate, so it can stop and free what it holds. */
  signal: AbortSignal;
}

/** Times `candidate` on the current model; throws TooSlowError past the deadline, anything else when it fails. */
export type MeasureFn = (candidate: TrialCandidate, limits: TrialLimits) => Promise<StepTiming>;

export interface TrialOptions {
  /** Identifies config and adapters, stored with the result (see trialKey). */
  key: string;
  /** The model `measure` times, recorded with the figures. */
  config: PixelCNNConfig;
  batch: number;
  steps: number;
  /** The least deadline a candidate's step gets, however fast the best so far is. */
  minDeadlineMs?: number;
  /** A candidate may be this many times slower than the best so far before it is abandoned. */
  slowerFactor?: number;
  /** The deadline while nothing has been timed yet. */
  firstDeadlineMs?: number;
  /** Time allowed for a candidate to start (worker, backend, model) before its first step is due. */
  startupMs?: number;
  /**
   * The least time a hardware GPU gets for the passes that compile shaders:
   * some drivers take seconds to compile, once, and a GPU that does is still
   * likely to win. Software adapters get the plain deadline.
   */
  hardwareCompileMs?: number;
}

export const TRIAL_BATCH = 4;
export const TRIAL_STEPS = 3;
const DEFAULTS = { minDeadlineMs: 1500, slowerFactor: 4, firstDeadlineMs: 20_000, startupMs: 30_000, hardwareCompileMs: 10_000 };

/**
 * wasm first, for a deadline to hold the others to; hardware GPUs before
 * software ones; the JavaScript CPU backend last, and only as a fallback.
 * Work a GPU backend has queued keeps running in the browser's GPU process
 * after its trial is abandoned, and delays the next GPU trial (measured in
 * Chromium with SwiftShader: about 10 s of WebGPU pipeline compilation
 * against 1–2 s for WebGL), so among software adapters WebGPU goes last.
 */
function trialOrder(candidates: TrialCandidate[]): TrialCandidate[] {
  const order = (c: TrialCandidate) => {
    if (c.name === 'wasm') return 0;
    if (c.name === 'cpu') return 9;
    if (!c.software) return c.name === 'webgpu' ? 1 : 2;
    return c.name === 'webgl' ? 5 : 6;
  };
  return [...candidates].sort((a, b) => order(a) - order(b));
}

export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The config and the adapters a trial's figures depend on; a different machine or model gets a new trial. */
export function trialKey(config: PixelCNNConfig, candidates: TrialCandidate[], batch = TRIAL_BATCH): string {
  // Every field, so a model that differs in any way (the head, the architecture, classes) is timed afresh.
  const model = CONFIG_FIELDS.map((field) => String(config[field])).join('x');
  const adapters = [...candidates].sort((a, b) => a.name.localeCompare(b.name)).map((c) => `${c.name}=${c.adapter}`);
  return `v2|${model}|b${batch}|${adapters.join('|')}`;
}

/**
 * Runs `measure` under a hard outer limit, so a candidate that hangs (or
 * blocks its thread) is abandoned even if it never checks its deadline.
 */
async function measureWithin(measure: MeasureFn, candidate: TrialCandidate, limits: Omit<TrialLimits, 'signal'>, outerMs: number): Promise<StepTiming> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outer = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TooSlowError(outerMs, 'the whole trial')), outerMs);
  });
  try {
    const timing = await Promise.race([measure(candidate, { ...limits, signal: controller.signal }), outer]);
    // A measure that does not watch the clock itself is judged here.
    if (timing.warmUpMs > limits.compileDeadlineMs) throw new TooSlowError(limits.compileDeadlineMs, 'its warm-up step');
    if (timing.msPerStep > limits.stepDeadlineMs) throw new TooSlowError(limits.stepDeadlineMs);
    return timing;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export async function runBackendTrial(candidates: TrialCandidate[], measure: MeasureFn, options: TrialOptions): Promise<BackendTrial> {
  const { minDeadlineMs, slowerFactor, firstDeadlineMs, startupMs, hardwareCompileMs } = { ...DEFAULTS, ...options };
  const started = performance.now();
  const figures: BackendFigure[] = [];
  let best: BackendFigure | null = null;

  for (const candidate of trialOrder(candidates)) {
    const base = { name: candidate.name, adapter: candidate.adapter, software: candidate.software };
    if (candidate.name === 'cpu' && best) {
      figures.push({
        ...base,
        outcome: 'skipped',
        note: `not timed: the plain-JavaScript backend is tried only when nothing else works, and ${best.name} does`,
      });
      continue;
    }
    const tried = performance.now();
    const deadline = best?.msPerStep !== undefined ? Math.max(minDeadlineMs, slowerFactor * best.msPerStep) : firstDeadlineMs;
    try {
      const compile = candidate.software ? deadline : Math.max(deadline, hardwareCompileMs);
      // Two gate forward passes, the warm-up step and the timed steps, each within its deadline.
      // wasm then times steps shared with helper workers too (trial.worker.ts), within a start-up and the same steps again.
      const outerMs = startupMs + 2 * compile + deadline * (options.steps + 1) + (candidate.name === 'wasm' ? startupMs + deadline * (options.steps + 1) : 0);
      const timing = await measureWithin(measure, candidate, { stepDeadlineMs: deadline, compileDeadlineMs: compile }, outerMs);
      const figure: BackendFigure = {
        ...base,
        outcome: 'timed',
        msPerStep: timing.msPerStep,
        warmUpMs: timing.warmUpMs,
        trialMs: performance.now() - tried,
        ...(timing.cores ? { cores: timing.cores } : {}),
      };
      figures.push(figure);
      if (!best || timing.msPerStep < (best.msPerStep ?? Infinity)) best = figure;
    } catch (error) {
      if (error instanceof TooSlowError) {
        const than = best ? ` (${best.name} takes ${seconds(best.msPerStep ?? 0)})` : '';
        const note =
          error.estimateMs === undefined
            ? `too slow: ${error.what} took over ${seconds(error.limitMs)}${than}; abandoned`
            : `too slow: a step would take about ${seconds(error.estimateMs)}, judging by a forward pass${than}; not trained`;
        figures.push({ ...base, outcome: 'too-slow', note, trialMs: performance.now() - tried });
      } else {
        figures.push({ ...base, outcome: 'failed', note: `failed: ${errorText(error)}`, trialMs: performance.now() - tried });
      }
    }
  }

  return {
    key: options.key,
    config: options.config,
    batch: options.batch,
    steps: options.steps,
    figures,
    chosen: chooseFrom(figures),
    totalMs: performance.now() - started,
    measuredAt: new Date().toISOString(),
    source: 'measured',
  };
}

/**
 * The fastest timed backend. With none timed, one that at least ran (if too
 * slowly for the deadline), else the CPU backend, which tfjs always has.
 */
function chooseFrom(figures: BackendFigure[]): BackendName {
  const timed = figures.filter((f) => f.outcome === 'timed').sort((a, b) => (a.msPerStep ?? 0) - (b.msPerStep ?? 0));
  return timed[0]?.name ?? figures.find((f) => f.outcome === 'too-slow')?.name ?? 'cpu';
}

export interface TimeStepsOptions {
  batch: number;
  steps: number;
  stepDeadlineMs: number;
  /** For the first forward pass and the warm-up step, which compile shaders; stepDeadlineMs when omitted. */
  compileDeadlineMs?: number;
  signal?: AbortSignal;
  /** Called once the model is built, before the gate: the deadlines start here. */
  onReady?(): void;
  /** Called when the forward-pass gate has passed, before the warm-up step. */
  onGated?(): void;
  onWarmUp?(ms: number): void;
}

/**
 * A training step costs about three forward passes (forward, and a backward
 * twice the price), and a forward pass about batch × one image's. Judging
 * by one image's forward pass, compiled and warm, keeps a software GPU from
 * being handed a whole training step: work abandoned at the deadline keeps
 * running in the browser's GPU process and would slow everything after it.
 */
const STEP_PER_FORWARD_IMAGE = 3;

/**
 * Trains a fresh model of `config` on the current tfjs backend for one
 * warm-up step and `steps` timed ones, on a fixed batch of random levels,
 * after a gate: two forward passes of one image (the first compiles), and
 * if the second suggests a step over the deadline, the backend is judged
 * too slow without training. GPU work runs asynchronously, so an overrunning
 * pass is abandoned at its deadline; on the CPU backends work blocks, and
 * overrunning is noticed when it returns. Everything allocated is disposed,
 * an abandoned pass's tensors once that pass settles.
 */
export async function timeTrainingSteps(config: PixelCNNConfig, options: TimeStepsOptions): Promise<StepTiming> {
  const model = createPixelCNN(config, 7);
  const optimizer = tf.train.adam(1e-3);
  const images = tf.randomUniformInt([options.batch, config.height, config.width, config.colorChannels], 0, config.levels, 11) as tf.Tensor4D;
  const one = tf.tidy(() => images.slice([0, 0, 0, 0], [1, config.height, config.width, config.colorChannels])) as tf.Tensor4D;
  // A conditional model trains with a label per image.
  const labels = config.classes > 0 ? (tf.randomUniformInt([options.batch], 0, config.classes, 13) as tf.Tensor1D) : undefined;
  const oneLabel = labels ? tf.tidy(() => labels.slice([0], [1])) : undefined;
  // A holder, not a local, so the finally block sees what the closures stored.
  const inFlight: { pass: Promise<unknown> | null } = { pass: null };
  const disposeAll = () => {
    tf.dispose([images, one]);
    labels?.dispose();
    oneLabel?.dispose();
    optimizer.dispose();
    model.dispose();
  };

  /** Runs `launch` and waits for its result within `deadlineMs`; returns the wall time. */
  const timed = async (launch: () => tf.Tensor, deadlineMs: number, what: string): Promise<number> => {
    if (options.signal?.aborted) throw new Error('the trial was stopped');
    const start = performance.now();
    const result = launch();
    const read = result.data().finally(() => result.dispose());
    inFlight.pass = read;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TooSlowError(deadlineMs, what)), Math.max(0, deadlineMs - (performance.now() - start)));
    });
    try {
      await Promise.race([read, late]);
    } finally {
      clearTimeout(timer);
    }
    inFlight.pass = null;
    const ms = performance.now() - start;
    if (ms > deadlineMs) throw new TooSlowError(deadlineMs, what);
    return ms;
  };
  const forwardOne = () => tf.tidy(() => model.logits(one, oneLabel).sum());
  // Where the engine trains on the SIMD kernels (wasm), so does the trial.
  const kernels = trainsOnKernels(model) ? await KernelTrainer.create(model) : null;
  const kernelBatch = kernels ? { pixels: Int32Array.from(await images.data()), labels: labels ? Int32Array.from(await labels.data()) : undefined } : null;
  const trainStep = (): tf.Tensor =>
    kernels && kernelBatch ? tf.scalar(kernels.step(kernelBatch.pixels, options.batch, kernelBatch.labels, 1e-3)) : model.trainStep(images, optimizer, labels);

  try {
    const step = options.stepDeadlineMs;
    const compile = options.compileDeadlineMs ?? step;
    options.onReady?.();
    await timed(forwardOne, compile, 'its first forward pass (compiling shaders included)');
    const estimateMs = STEP_PER_FORWARD_IMAGE * options.batch * (await timed(forwardOne, step, 'a forward pass'));
    if (estimateMs > step) throw new TooSlowError(step, 'a training step', estimateMs);
    options.onGated?.();
    const warmUpMs = await timed(trainStep, compile, 'its warm-up step (compiling shaders included)');
    options.onWarmUp?.(warmUpMs);
    const times: number[] = [];
    for (let i = 0; i < options.steps; i++) times.push(await timed(trainStep, step, 'a training step'));
    return { warmUpMs, msPerStep: median(times) };
  } finally {
    if (inFlight.pass) void inFlight.pass.then(disposeAll, disposeAll);
    else disposeAll();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures in this thread, switching tfjs from backend to backend: for tests and tools, not the app (see backend.ts). */
export function measureInProcess(config: PixelCNNConfig, batch = TRIAL_BATCH, steps = TRIAL_STEPS): MeasureFn {
  return async (candidate, limits) => {
    if (!(await tf.setBackend(candidate.name))) throw new Error(`the ${candidate.name} backend failed to initialise`);
    await tf.ready();
    const { stepDeadlineMs, compileDeadlineMs, signal } = limits;
    return timeTrainingSteps(config, { batch, steps, stepDeadlineMs, compileDeadlineMs, signal });
  };
}
