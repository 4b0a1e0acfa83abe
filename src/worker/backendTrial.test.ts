import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PixelCNNConfig } from '../model/config';
import {
  type MeasureFn,
  type StepTiming,
  type TrialCandidate,
  TooSlowError,
  measureInProcess,
  runBackendTrial,
  timeTrainingSteps,
  trialKey,
} from './backendTrial';

const tiny: PixelCNNConfig = {
  height: 6,
  width: 6,
  colorChannels: 1,
  levels: 8,
  hiddenChannels: 4,
  layers: 2,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  architecture: 'pixelcnn',
  firstKernelSize: 3,
  position: false,
  classes: 0,
  labelDropout: 0,
};

const wasm: TrialCandidate = { name: 'wasm', adapter: 'WebAssembly on the CPU', software: false };
const cpu: TrialCandidate = { name: 'cpu', adapter: 'plain JavaScript on the CPU', software: false };
const webgpu: TrialCandidate = { name: 'webgpu', adapter: 'Google swiftshader (software adapter)', software: true };
const webgl: TrialCandidate = { name: 'webgl', adapter: 'SwiftShader (software renderer)', software: true };

const options = { key: 'k', config: tiny, batch: 2, steps: 2, minDeadlineMs: 100, startupMs: 100 };

/** A measure that reports fixed timings after a short wait, records what it was asked, and notices aborts. */
function scripted(plan: Partial<Record<TrialCandidate['name'], StepTiming | Error | 'hang'>>) {
  const asked: Array<{ name: string; deadline: number; compile: number }> = [];
  const aborted: string[] = [];
  const measure: MeasureFn = (candidate, limits) => {
    asked.push({ name: candidate.name, deadline: limits.stepDeadlineMs, compile: limits.compileDeadlineMs });
    limits.signal.addEventListener('abort', () => aborted.push(candidate.name));
    const outcome = plan[candidate.name];
    if (outcome === 'hang') return new Promise<StepTiming>(() => undefined);
    return new Promise<StepTiming>((resolve, reject) =>
      setTimeout(() => (outcome instanceof Error || outcome === undefined ? reject(outcome ?? new Error('no plan')) : resolve(outcome)), 5),
    );
  };
  return { measure, asked, aborted };
}

describe('the backend trial (injected timings)', () => {
  it('times wasm first and picks the fastest; the CPU backend is not timed when something works', async () => {
    const { measure, asked } = scripted({
      wasm: { warmUpMs: 40, msPerStep: 30 },
      webgpu: { warmUpMs: 60, msPerStep: 10 },
      webgl: { warmUpMs: 50, msPerStep: 20 },
    });
    const trial = await runBackendTrial([webgpu, webgl, wasm, cpu], measure, options);
    // Software adapters after wasm, WebGL before WebGPU (whose abandoned work would hold up the rest).
    expect(asked.map((a) => a.name)).toEqual(['wasm', 'webgl', 'webgpu']);
    expect(trial.chosen).toBe('webgpu');
    expect(trial.figures.map((f) => [f.name, f.outcome, f.msPerStep])).toEqual([
      ['wasm', 'timed', 30],
      ['webgl', 'timed', 20],
      ['webgpu', 'timed', 10],
      ['cpu', 'skipped', undefined],
    ]);
    expect(trial.figures.find((f) => f.name === 'webgpu')?.software).toBe(true);
    expect(trial.figures.at(-1)?.note).toMatch(/only when nothing else works/);
    expect(trial).toMatchObject({ key: 'k', batch: 2, steps: 2, source: 'measured' });
  });

  it('gives later candidates a deadline from the best time so far and abandons one that overruns it', async () => {
    const { measure, asked, aborted } = scripted({ wasm: { warmUpMs: 50, msPerStep: 40 }, webgpu: 'hang', webgl: { warmUpMs: 900, msPerStep: 300 } });
    const start = performance.now();
    const trial = await runBackendTrial([webgpu, webgl, wasm, cpu], measure, options);
    // Hard limit for the hanging one: startup 100 + 160 × (2 forward passes + warm-up + 2 steps).
    expect(performance.now() - start).toBeLessThan(2000);
    // Nothing timed yet: wasm gets the generous first deadline; then max(100, 4 × 40).
    expect(asked).toEqual([
      { name: 'wasm', deadline: 20_000, compile: 20_000 },
      { name: 'webgl', deadline: 160, compile: 160 },
      { name: 'webgpu', deadline: 160, compile: 160 },
    ]);
    expect(aborted).toContain('webgpu');
    const byName = Object.fromEntries(trial.figures.map((f) => [f.name, f]));
    expect(byName.webgpu.outcome).toBe('too-slow');
    expect(byName.webgpu.note).toMatch(/^too slow: the whole trial took over 900 ms \(wasm takes 40 ms\); abandoned$/);
    // webgl finished, but slower than its deadline: judged too slow all the same.
    expect(byName.webgl.outcome).toBe('too-slow');
    expect(byName.webgl.note).toMatch(/its warm-up step took over 160 ms/);
    expect(trial.chosen).toBe('wasm');
  });

  it('tries hardware GPUs before software ones', async () => {
    const { measure, asked } = scripted({
      wasm: { warmUpMs: 40, msPerStep: 30 },
      webgpu: { warmUpMs: 20, msPerStep: 5 },
      webgl: { warmUpMs: 20, msPerStep: 8 },
    });
    const gpu = { ...webgpu, adapter: 'nvidia ampere', software: false };
    await runBackendTrial([webgl, gpu, cpu, wasm], measure, { ...options, hardwareCompileMs: 1000 });
    expect(asked.map((a) => a.name)).toEqual(['wasm', 'webgpu', 'webgl']);
    // A hardware GPU gets longer to compile its shaders; a software one only the plain deadline.
    expect(asked.slice(1)).toEqual([
      { name: 'webgpu', deadline: 120, compile: 1000 },
      { name: 'webgl', deadline: 100, compile: 100 },
    ]);
  });

  it('records a candidate that throws and carries on', async () => {
    const { measure } = scripted({ wasm: new Error('no SIMD'), webgl: { warmUpMs: 90, msPerStep: 70 }, webgpu: new Error('device lost') });
    const trial = await runBackendTrial([webgpu, webgl, wasm, cpu], measure, { ...options, firstDeadlineMs: 500 });
    const byName = Object.fromEntries(trial.figures.map((f) => [f.name, f]));
    expect(byName.wasm).toMatchObject({ outcome: 'failed', note: 'failed: no SIMD' });
    expect(byName.webgpu).toMatchObject({ outcome: 'failed', note: 'failed: device lost' });
    expect(trial.chosen).toBe('webgl');
  });

  it('falls back to timing the CPU backend when nothing else trains', async () => {
    const { measure, asked } = scripted({ wasm: new Error('no wasm'), webgl: new Error('no context'), cpu: { warmUpMs: 300, msPerStep: 250 } });
    const trial = await runBackendTrial([webgl, wasm, cpu], measure, { ...options, firstDeadlineMs: 500 });
    expect(asked.map((a) => a.name)).toEqual(['wasm', 'webgl', 'cpu']);
    expect(trial.chosen).toBe('cpu');
    expect(trial.figures.at(-1)).toMatchObject({ name: 'cpu', outcome: 'timed', msPerStep: 250 });
  });

  it('keys the figures by model and adapters', () => {
    const key = trialKey(tiny, [wasm, webgpu]);
    expect(trialKey(tiny, [webgpu, wasm])).toBe(key);
    expect(trialKey({ ...tiny, layers: 3 }, [wasm, webgpu])).not.toBe(key);
    expect(trialKey({ ...tiny, headChannels: 4 }, [wasm, webgpu])).not.toBe(key);
    expect(trialKey({ ...tiny, architecture: 'gated' }, [wasm, webgpu])).not.toBe(key);
    expect(trialKey({ ...tiny, classes: 3 }, [wasm, webgpu])).not.toBe(key);
    expect(trialKey(tiny, [wasm, { ...webgpu, adapter: 'NVIDIA ampere' }])).not.toBe(key);
  });
});

describe('the backend trial on real tfjs backends', () => {
  beforeAll(async () => {
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(path.dirname(entry) + path.sep);
    await tf.setBackend('cpu');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('times the CPU and wasm backends on the model and leaks no tensors', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    // The CPU backend is only timed when wasm fails, so time both directly, then let the trial choose.
    const trial = await runBackendTrial([wasm, cpu], measureInProcess(tiny, 2, 2), { key: trialKey(tiny, [wasm, cpu]), config: tiny, batch: 2, steps: 2 });
    expect(trial.figures[0]).toMatchObject({ name: 'wasm', outcome: 'timed' });
    expect(trial.figures[0].msPerStep).toBeGreaterThan(0);
    expect(trial.figures[1]).toMatchObject({ name: 'cpu', outcome: 'skipped' });
    expect(trial.chosen).toBe('wasm');
    await tf.setBackend('cpu');
    const direct = await timeTrainingSteps(tiny, { batch: 2, steps: 2, stepDeadlineMs: 60_000 });
    expect(direct.msPerStep).toBeGreaterThan(0);
    // A conditional Gated PixelCNN trains with labels.
    const gated = await timeTrainingSteps({ ...tiny, architecture: 'gated', position: true, classes: 3 }, { batch: 2, steps: 1, stepDeadlineMs: 60_000 });
    expect(gated.msPerStep).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives up on a step over its deadline, and still frees everything', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const big: PixelCNNConfig = { ...tiny, height: 16, width: 16, hiddenChannels: 16 };
    await expect(timeTrainingSteps(big, { batch: 4, steps: 2, stepDeadlineMs: 1 })).rejects.toBeInstanceOf(TooSlowError);
    // A batch so large that one image's forward pass shows the step would overrun: judged without training.
    const judged = timeTrainingSteps(tiny, { batch: 100_000, steps: 2, stepDeadlineMs: 2000 });
    await expect(judged).rejects.toBeInstanceOf(TooSlowError);
    const error: unknown = await judged.catch((e: unknown) => e);
    expect(error instanceof TooSlowError && error.estimateMs).toBeGreaterThan(2000);
    // An abandoned step frees its tensors once it settles.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tf.memory().numTensors).toBe(before);
  });
});
