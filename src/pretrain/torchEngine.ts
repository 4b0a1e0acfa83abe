/**
 * `npm run pretrain -- --engine torch`: the training loop runs in the PyTorch
 * twin (python/pixelcnn_studio/train.py), natively on every core (or CUDA);
 * this side draws its progress line, relays Ctrl-C, and then treats the
 * model file the twin wrote exactly as the wasm path treats its own model:
 * loaded into tfjs, scored on the held-out digits by the app's own code,
 * carded and sampled (main.ts).
 *
 * Python talks back on stdout, one JSON object per line:
 *   { event: 'start', engine, trainImages, heldOutImages, step, steps, batchSize }
 *   { event: 'progress', step, steps, trainBits, heldOutBits, learningRate, elapsedSeconds, secondsLeft }
 *   { event: 'stopped', step, elapsedSeconds }
 *   { event: 'finished', out, steps, heldOutBitsPerDim, trainBitsPerDim, wallTimeSeconds, ... }
 * and its errors arrive on stderr, which is passed through.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BuiltinDatasetId } from '../data/builtin';
import type { Progress } from './run';
import type { PretrainSettings } from './schedule';

/** The interpreter that has torch: PIXELCNN_PYTHON, else Debian's /usr/bin/python3, else python3 on PATH. */
export function defaultPython(): string {
  if (process.env.PIXELCNN_PYTHON) return process.env.PIXELCNN_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** True when `python -c "import torch"` works. */
export function torchAvailable(python = defaultPython()): boolean {
  const result = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  return result.status === 0;
}

export interface TorchRun {
  root: string;
  python: string;
  settings: PretrainSettings;
  /** Where the twin writes the trained model file, and its checkpoint. */
  modelFile: string;
  checkpointFile: string;
  fresh: boolean;
  threads: number;
  checkpointEvery: number;
  estimateEvery: number;
  estimateImages: number;
  /** Tests: train on only the first N training digits, hold out the first M held-out ones. */
  trainImages?: number;
  testImages?: number;
  /** The built-in dataset to train on (default: the digits), or "mnist": the standard 60,000/10,000 split. */
  dataset?: BuiltinDatasetId | 'mnist';
  /** The baseline without colour groups (train.py --independent-channels): scored by the twin, not loadable by the app. */
  independentChannels?: boolean;
}

export interface TorchStart {
  engine: string;
  trainImages: number;
  heldOutImages: number;
  step: number;
  steps: number;
}

export interface TorchOutcome {
  finished: boolean;
  step: number;
  elapsedSeconds: number;
  /** e.g. "torch 1.13.0 (CPU, 2 threads)". */
  engine: string;
  /** The twin's own held-out and training bits/dim, for comparison with the app's scoring. */
  twinHeldOutBitsPerDim?: number;
  twinTrainBitsPerDim?: number;
}

export interface TorchHooks {
  onStart(start: TorchStart): void;
  onProgress(progress: Progress): void;
  shouldStop(): boolean;
}

/**
 * The python process's environment: the twin's package on its path, and
 * OpenMP threads that sleep rather than spin while they wait (unless the
 * caller chose otherwise): spinning threads on a machine whose cores are busy
 * made 2-thread steps several times slower than 1-thread ones here
 * (`npm run bench:pretrain` shows both).
 */
export function pythonEnv(root: string): NodeJS.ProcessEnv {
  const own = path.join(root, 'python');
  const existing = process.env.PYTHONPATH;
  return {
    ...process.env,
    PYTHONPATH: existing ? `${own}${path.delimiter}${existing}` : own,
    PYTHONUNBUFFERED: '1',
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
  };
}

/** Runs the twin's training to the end or until stopped; rejects with what Python said when it fails. */
export function trainWithTorch(run: TorchRun, hooks: TorchHooks): Promise<TorchOutcome> {
  const args = [
    '-m',
    'pixelcnn_studio.train',
    '--settings',
    JSON.stringify(run.settings),
    '--root',
    run.root,
    '--out',
    run.modelFile,
    '--checkpoint',
    run.checkpointFile,
    '--threads',
    String(run.threads),
    '--checkpoint-every',
    String(run.checkpointEvery),
    '--estimate-every',
    String(run.estimateEvery),
    '--estimate-images',
    String(run.estimateImages),
    '--events',
    ...(run.fresh ? ['--fresh'] : []),
    ...(run.trainImages ? ['--train-images', String(run.trainImages)] : []),
    ...(run.testImages ? ['--test-images', String(run.testImages)] : []),
    ...(run.dataset ? ['--dataset', run.dataset] : []),
    ...(run.independentChannels ? ['--independent-channels'] : []),
  ];
  return new Promise((resolve, reject) => {
    // Its own process group: a Ctrl-C in the terminal reaches Node only, which relays it once.
    const child = spawn(run.python, args, { cwd: run.root, env: pythonEnv(run.root), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let engine = 'torch';
    let stopSent = false;
    let outcome: TorchOutcome | undefined;
    let stderrTail = '';
    let buffered = '';
    // Node quitting (a second Ctrl-C) takes the twin with it, mid-step, as the wasm path quits.
    const killChild = (): void => void child.kill('SIGKILL');
    process.on('exit', killChild);
    const poll = setInterval(() => {
      if (!stopSent && hooks.shouldStop()) {
        stopSent = true;
        child.kill('SIGINT');
      }
    }, 200);

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
      process.stderr.write(chunk);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line);
        } catch {
          process.stderr.write(`${line}\n`);
          continue;
        }
        if (event.event === 'start') {
          engine = String(event.engine);
          hooks.onStart(event as unknown as TorchStart);
        } else if (event.event === 'progress') {
          const { step, steps, trainBits, learningRate, elapsedSeconds, secondsLeft } = event as unknown as Progress;
          const heldOutBits = typeof event.heldOutBits === 'number' ? event.heldOutBits : undefined;
          hooks.onProgress({ step, steps, trainBits, heldOutBits, learningRate, elapsedSeconds, secondsLeft });
        } else if (event.event === 'stopped') {
          outcome = { finished: false, step: Number(event.step), elapsedSeconds: Number(event.elapsedSeconds), engine };
        } else if (event.event === 'finished') {
          outcome = {
            finished: true,
            step: Number(event.steps),
            elapsedSeconds: Number(event.wallTimeSeconds),
            engine,
            twinHeldOutBitsPerDim: Number(event.heldOutBitsPerDim),
            twinTrainBitsPerDim: Number(event.trainBitsPerDim),
          };
        }
      }
    });
    child.on('error', (error) => {
      clearInterval(poll);
      process.off('exit', killChild);
      reject(new Error(`could not start ${run.python} (${error.message}); install python3-torch or pass --engine wasm`));
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      process.off('exit', killChild);
      if (outcome && (code === 0 || code === 130)) resolve(outcome);
      else {
        const said = stderrTail.trim().split('\n').slice(-3).join(' ').trim();
        reject(new Error(`the torch engine ${signal ? `was killed (${signal})` : `exited with code ${code}`}${said ? `: ${said}` : ''}`));
      }
    });
  });
}

/** Samples with the twin: count images of levels ([count, H, W, C] bytes), the app's dice. */
export function sampleWithTorch(
  root: string,
  python: string,
  modelFile: string,
  options: { count: number; seed: number; temperature: number; labels?: Int32Array; guidance?: number; threads: number },
): Uint8Array {
  const out = `${modelFile}.samples.bin`;
  const args = ['-m', 'pixelcnn_studio.sample', '--model', modelFile, '--count', String(options.count), '--seed', String(options.seed)];
  args.push('--temperature', String(options.temperature), '--threads', String(options.threads), '--out', out);
  if (options.labels) args.push('--labels', Array.from(options.labels).join(','));
  if (options.guidance !== undefined) args.push('--guidance', String(options.guidance));
  const result = spawnSync(python, args, { cwd: root, env: pythonEnv(root), stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    const said = (result.stderr ?? '').trim() || (result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`);
    throw new Error(`the torch sampler failed: ${said}`);
  }
  const levels = new Uint8Array(fs.readFileSync(out));
  fs.rmSync(out, { force: true });
  return levels;
}
