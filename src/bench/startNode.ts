/**
 * The Node side of scripts/measure-start.mjs: on a dataset the project does
 * not ship (scripts/make-test-sets.mjs), trains side by side, in one run,
 * the starts the Model panel can propose (src/worker/startProposal.ts):
 *   fine-tuned  the nearest shipped model, its classes carried to the data's (withClasses);
 *   fresh       a new model of the same architecture;
 *   small       a new, smaller model (the fresh start the proposal falls back to on a slow browser).
 * A start may name its own learning rate ("fine-tuned:0.003").
 * Each run gets the same training time, counted on its own steps only (the
 * runs take turns, a step each, so a busy machine slows them alike). The
 * step is the engine's (TrainingControl.trainOneBatch, on one thread):
 * the same batches, label dropout and Trainer, on tfjs's wasm backend.
 * At the end each run draws a few images per class, saved as a PNG grid
 * and as raw bytes for scripts/read_start_samples.py.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type PixelCNN, type PixelCNNConfig, createPixelCNN, evaluateBitsPerDim, modelFromSaved, parseSavedModel, saveModel, seededRandom } from '../model';
import { withClasses } from '../model/classTables';
import { noClassLabel } from '../model/config';
import { modelGuidance } from '../model/guidance';
import { sampleIncremental } from '../model/incrementalSampler';
import { dropLabelsWith } from '../model/labelDropout';
import { sampleLabelledBatch, splitDataset } from '../data/split';
import type { ImageDataset } from '../data/types';
import { BUILTIN_DATASETS, type BuiltinDatasetId } from '../data/builtin';
import { useNodeBackend } from '../node/backend';
import { encodeGrayPng, encodeRgbPng } from '../node/png';
import { DEFAULT_TRAIN_SETTINGS } from '../worker/settings';
import { Trainer } from '../worker/trainer';

export interface StartRunResult {
  set: string;
  start: string;
  config: PixelCNNConfig;
  steps: number;
  trainSeconds: number;
  /** Held-out bits/dim over every held-out image, at 0 s and then every `scoreEvery` seconds of the run's own training. */
  curve: Array<{ seconds: number; steps: number; heldOut: number }>;
  samplesFile: string;
  gridFile: string;
}

interface Run {
  start: string;
  model: PixelCNN;
  trainer: Trainer;
  clockMs: number;
  random: () => number;
  curve: StartRunResult['curve'];
  nextScore: number;
}

/** A set written by scripts/make-test-sets.mjs, as the app would import it (256 levels). */
export function readTestSet(dir: string, name: string): ImageDataset {
  const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as {
    width: number;
    height: number;
    channels: 1 | 3;
    count: number;
    classNames: string[];
    labels: string;
  };
  const pixels = new Uint8Array(readFileSync(path.join(dir, `${name}.bin`)));
  const labels = Int32Array.from(meta.labels.split(',').map(Number));
  return { width: meta.width, height: meta.height, channels: meta.channels, levels: 256, count: meta.count, pixels, labels, classNames: meta.classNames };
}

/** The shipped model nearest to the data: the gray digits for gray images, the colour icons for colour ones. */
export function nearestShipped(data: ImageDataset): BuiltinDatasetId {
  return data.channels === 1 ? 'digits' : 'icons';
}

async function templateOf(config: PixelCNNConfig) {
  const model = createPixelCNN(config, 1, { initial: 'zeros' });
  try {
    return await saveModel(model);
  } finally {
    model.dispose();
  }
}

/** The smaller fresh model: fewer, narrower layers and a narrower head. */
export function smallConfig(config: PixelCNNConfig): PixelCNNConfig {
  const groups = config.colorChannels;
  return { ...config, hiddenChannels: 16 - (16 % groups) || groups, layers: 4, headChannels: 64 - (64 % groups) };
}

export async function measureStart(
  root: string,
  options: { dir: string; set: string; seconds: number; scoreEvery: number; starts: string[]; out: string; perClass: number },
  log: (line: string) => void,
): Promise<StartRunResult[]> {
  const backend = await useNodeBackend('wasm');
  const data = readTestSet(options.dir, options.set);
  const { train, test } = splitDataset(data);
  const classNames = data.classNames!;
  const shippedId = nearestShipped(data);
  const shipped = parseSavedModel(JSON.parse(readFileSync(path.join(root, 'public', BUILTIN_DATASETS[shippedId].modelPath), 'utf8')));
  const target: PixelCNNConfig = { ...shipped.config, classes: classNames.length };
  if (target.width !== data.width || target.height !== data.height || target.colorChannels !== data.channels) {
    throw new Error(
      `The ${shippedId} model is ${target.width}×${target.height}×${target.colorChannels}; the ${options.set} are ${data.width}×${data.height}×${data.channels}.`,
    );
  }
  const settings = DEFAULT_TRAIN_SETTINGS;
  log(
    `${options.set}: ${train.count} training and ${test.count} held-out images, ${classNames.length} classes; ${backend}; ${options.seconds} s of training per start; batch ${settings.batchSize}, learning rate ${settings.learningRate}`,
  );

  const runs: Run[] = [];
  for (const [i, start] of options.starts.entries()) {
    // "fine-tuned:0.003": the start trained at another learning rate than the app's default.
    const [kind, rate] = start.split(':');
    const runSettings = rate ? { ...settings, learningRate: Number(rate) } : settings;
    let model: PixelCNN;
    if (kind === 'fine-tuned') {
      const fromNames = shipped.meta.classNames ?? Array.from({ length: shipped.config.classes }, (_, k) => String(k));
      const { saved, carry } = withClasses(shipped, await templateOf(target), { from: fromNames, to: classNames });
      log(`  fine-tuned: from the shipped ${shippedId} model; ${carry.kept.length} class rows kept, ${carry.started} started from the ${carry.startedFrom}`);
      model = modelFromSaved(saved);
    } else if (kind === 'fresh') model = createPixelCNN(target, 1000 + i);
    else if (kind === 'small') model = createPixelCNN(smallConfig(target), 1000 + i);
    else throw new Error(`Unknown start "${start}" (fine-tuned, fresh, small, each with an optional :learning rate).`);
    runs.push({ start, model, trainer: new Trainer(model, runSettings), clockMs: 0, random: seededRandom(77), curve: [], nextScore: 0 });
  }

  const score = async (run: Run) => {
    const heldOut = await evaluateBitsPerDim(run.model, test.pixels, test.count, 16, test.labels);
    run.curve.push({ seconds: Math.round(run.clockMs / 1000), steps: run.trainer.steps, heldOut });
    log(
      `  ${run.start.padEnd(10)} ${String(Math.round(run.clockMs / 1000)).padStart(4)} s  step ${String(run.trainer.steps).padStart(5)}  held-out ${heldOut.toFixed(3)} bits/dim`,
    );
    run.nextScore += options.scoreEvery * 1000;
  };
  for (const run of runs) await score(run);

  const budget = options.seconds * 1000;
  while (runs.some((run) => run.clockMs < budget)) {
    for (const run of runs) {
      if (run.clockMs >= budget) continue;
      const started = performance.now();
      await trainStep(run, train, settings.batchSize);
      run.clockMs += performance.now() - started;
      if (run.clockMs >= run.nextScore || run.clockMs >= budget) await score(run);
    }
  }

  mkdirSync(options.out, { recursive: true });
  const results: StartRunResult[] = [];
  for (const run of runs) {
    const { config } = run.model;
    const perClass = options.perClass;
    const labels = Int32Array.from({ length: classNames.length * perClass }, (_, i) => Math.floor(i / perClass));
    const guidance = modelGuidance(config, undefined);
    const { pixels } = await sampleIncremental(run.model, { count: labels.length, seed: 5, temperature: 1, labels, guidance });
    const base = path.join(options.out, `${options.set}-${run.start}`);
    writeFileSync(`${base}.bin`, Uint8Array.from(pixels));
    writeFileSync(`${base}.png`, gridPng(Uint8Array.from(pixels), config, perClass, classNames.length));
    results.push({
      set: options.set,
      start: run.start,
      config,
      steps: run.trainer.steps,
      trainSeconds: run.clockMs / 1000,
      curve: run.curve,
      samplesFile: `${base}.bin`,
      gridFile: `${base}.png`,
    });
    run.trainer.dispose();
    run.model.dispose();
  }
  return results;
}

/** TrainingControl.trainOneBatch's step, on one thread. */
async function trainStep(run: Run, train: ImageDataset, batchSize: number): Promise<number> {
  const { width, height, channels } = train;
  const { pixels, labels: dataLabels } = sampleLabelledBatch(train, batchSize, run.random);
  const { config } = run.model;
  const noClass = noClassLabel(config);
  const labels =
    config.classes === 0 || !dataLabels ? undefined : noClass !== null ? dropLabelsWith(dataLabels, config.labelDropout, noClass, run.random) : dataLabels;
  const batch = tf.tensor4d(Int32Array.from(pixels), [batchSize, height, width, channels], 'int32');
  const labelTensor = labels ? tf.tensor1d(labels, 'int32') : undefined;
  try {
    return await run.trainer.step(batch, labelTensor);
  } finally {
    batch.dispose();
    labelTensor?.dispose();
  }
}

/** One row per class, `perClass` images each, every pixel drawn 3×3. */
function gridPng(pixels: Uint8Array, config: PixelCNNConfig, perClass: number, classes: number): Buffer {
  const { width, height, colorChannels: C, levels } = config;
  const scale = 3;
  const gap = 2;
  const W = perClass * (width * scale + gap);
  const H = classes * (height * scale + gap);
  const out = new Uint8Array(W * H * C).fill(128);
  const toByte = (v: number) => Math.round((v * 255) / (levels - 1));
  for (let n = 0; n < perClass * classes; n++) {
    const ox = (n % perClass) * (width * scale + gap);
    const oy = Math.floor(n / perClass) * (height * scale + gap);
    for (let y = 0; y < height * scale; y++)
      for (let x = 0; x < width * scale; x++)
        for (let c = 0; c < C; c++) {
          const v = pixels[((n * height + Math.floor(y / scale)) * width + Math.floor(x / scale)) * C + c];
          out[((oy + y) * W + ox + x) * C + c] = toByte(v);
        }
  }
  return C === 1 ? encodeGrayPng(out, W, H) : encodeRgbPng(out, W, H);
}
