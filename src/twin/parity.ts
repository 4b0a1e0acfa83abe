/**
 * The tfjs side of the PyTorch twin's parity tests (python/tests): given
 * model files the twin wrote, computes what the app computes with them, on
 * the wasm backend under Node. scripts/twin-parity.mjs reads a list of jobs
 * as JSON and writes the answers as JSON; the Python tests compare.
 *
 *   logits     the logits of a batch                     → base64 float32 [B, H, W, C, L]
 *   adamSteps  tf.train.adam steps, one per batch       → the model file after them, and each batch's bits
 *   heldOut    bits/dim on the app's held-out digits      → a number
 *   sample     a sampler of the app (the reference, full recompute, unless asked),
 *              at a guidance weight                        → the images' levels, and with `logits` the logits
 *                                                            each sub-pixel was drawn from (base64 float32)
 *   schedule   the app's split, data and batch order      → index lists, labels, pixel sums, learning rates
 *   labelDropout  the labels training keeps at each step   → label lists, and each step's first draws
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { createPixelCNN, type PixelCNN } from '../model/pixelcnn';
import { fileSampler } from '../model/fileSampler';
import { sampleIncremental } from '../model/incrementalSampler';
import { sampleFullRecompute, type SampleOptions, type SampleResult } from '../model/referenceSampler';
import { encodeFloat32, loadWeights, parseSavedModel, saveModel, type SavedModel } from '../model/serialize';
import { retargetDataset } from '../data/retarget';
import { splitIndices } from '../data/split';
import { useNodeBackend } from '../node/backend';
import type { BuiltinDatasetId } from '../data/builtin';
import { readBuiltinSplit, readMnistSplit } from '../node/mnist';
import { batchIndices, dropLabels, labelDropoutRandom, learningRateAt, type PretrainSettings } from '../pretrain/schedule';

export interface Batch {
  /** Levels, row-major [B, H, W, C]. */
  images: number[];
  shape: [number, number, number, number];
  labels?: number[];
}

export type ParityJob =
  | ({ op: 'logits'; model: string } & Batch)
  | { op: 'adamSteps'; model: string; learningRate: number; out: string; batches: Batch[] }
  | {
      op: 'sample';
      model: string;
      count: number;
      seed: number;
      temperature: number;
      labels?: number[];
      guidance?: number;
      /** Which sampler: 'reference' (default), 'incremental' or 'file' (the tfjs-free file sampler). */
      sampler?: 'reference' | 'incremental' | 'file';
      /** Answer the logits each sub-pixel was drawn from too, [H·W·C, count, levels] in generation order. */
      logits?: boolean;
    }
  | { op: 'heldOut'; model: string; images?: number }
  | { op: 'schedule'; count: number; settings: PretrainSettings; trainCount: number; steps: number[]; dataset?: BuiltinDatasetId }
  | { op: 'labelDropout'; labels: number[]; probability: number; seed: number; steps: number[]; noClass: number; draws: number };

export type ParityAnswer = { ok: true; [key: string]: unknown } | { ok: false; error: string };

function readSaved(file: string): SavedModel {
  return parseSavedModel(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** The model of a file, in tfjs, with every variable the file names checked both ways. */
function loadModel(file: string): { model: PixelCNN } {
  const saved = readSaved(file);
  const model = createPixelCNN(saved.config, 1);
  loadWeights(model, saved);
  const local = new Set(model.variables.map((v) => v.name.split('/').slice(1).join('/')));
  const extra = saved.tensors.map((t) => t.name).filter((name) => !local.has(name));
  if (extra.length > 0) {
    model.dispose();
    throw new Error(`the tfjs model has no variables for the file's tensors ${extra.join(', ')}`);
  }
  return { model };
}

function batchTensors(batch: Batch): { images: tf.Tensor4D; labels?: tf.Tensor1D } {
  const images = tf.tensor4d(batch.images, batch.shape, 'int32');
  const labels = batch.labels ? tf.tensor1d(batch.labels, 'int32') : undefined;
  return { images, labels };
}

async function logitsJob(job: Extract<ParityJob, { op: 'logits' }>): Promise<ParityAnswer> {
  const { model } = loadModel(job.model);
  const { images, labels } = batchTensors(job);
  const logits = model.logits(images, labels);
  const values = (await logits.data()) as Float32Array;
  const answer = { ok: true as const, shape: logits.shape, logits: encodeFloat32(values) };
  tf.dispose([images, labels, logits]);
  model.dispose();
  return answer;
}

async function adamStepsJob(job: Extract<ParityJob, { op: 'adamSteps' }>): Promise<ParityAnswer> {
  const { model } = loadModel(job.model);
  const optimizer = tf.train.adam(job.learningRate);
  const bits: number[] = [];
  for (const batch of job.batches) {
    const { images, labels } = batchTensors(batch);
    const loss = model.trainStep(images, optimizer, labels);
    bits.push((await loss.data())[0]);
    tf.dispose([images, labels, loss]);
  }
  const saved = await saveModel(model, {});
  fs.writeFileSync(job.out, JSON.stringify(saved));
  optimizer.dispose();
  model.dispose();
  return { ok: true, bits };
}

async function sampleJob(job: Extract<ParityJob, { op: 'sample' }>): Promise<ParityAnswer> {
  const labels = job.labels ? Int32Array.from(job.labels) : undefined;
  const drawnFrom: Float32Array[] = [];
  const options: SampleOptions = {
    count: job.count,
    seed: job.seed,
    temperature: job.temperature,
    labels,
    guidance: job.guidance,
    // The sampler may reuse its buffer of logits: keep a copy.
    onSubPixel: job.logits ? (step) => void drawnFrom.push(step.logits.slice()) : undefined,
  };
  let result: SampleResult;
  if (job.sampler === 'file') {
    const sampler = fileSampler(readSaved(job.model));
    if (!sampler) throw new Error('the file sampler cannot sample this architecture');
    result = await sampler(options);
  } else {
    const { model } = loadModel(job.model);
    try {
      result = job.sampler === 'incremental' ? await sampleIncremental(model, options) : await sampleFullRecompute(model, options);
    } finally {
      model.dispose();
    }
  }
  const answer: ParityAnswer = { ok: true, pixels: Array.from(result.pixels) };
  if (job.logits) {
    const all = new Float32Array(drawnFrom.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const values of drawnFrom) {
      all.set(values, at);
      at += values.length;
    }
    answer.logits = encodeFloat32(all);
  }
  return answer;
}

async function heldOutJob(job: Extract<ParityJob, { op: 'heldOut' }>, root: string): Promise<ParityAnswer> {
  const { model } = loadModel(job.model);
  const { config } = model;
  const split = readMnistSplit(root);
  const test = retargetDataset(split.test, { width: config.width, height: config.height, channels: config.colorChannels, levels: config.levels });
  const count = Math.min(job.images ?? test.count, test.count);
  const conditional = config.classes > 0;
  const testLabels = split.test.labels;
  if (conditional && !testLabels) throw new Error('the model is conditional but the held-out digits have no labels');
  const perImage = config.height * config.width * config.colorChannels;
  let total = 0;
  for (let start = 0; start < count; start += 16) {
    const n = Math.min(16, count - start);
    const bits = tf.tidy(() => {
      const images = tf.tensor4d(
        Int32Array.from(test.pixels.subarray(start * perImage, (start + n) * perImage)),
        [n, config.height, config.width, config.colorChannels],
        'int32',
      );
      const labels = conditional ? tf.tensor1d(testLabels!.subarray(start, start + n), 'int32') : undefined;
      return model.bitsPerDim(images, labels).mul(n);
    });
    total += (await bits.data())[0];
    bits.dispose();
  }
  model.dispose();
  return { ok: true, bits: total / count, images: count };
}

function scheduleJob(job: Extract<ParityJob, { op: 'schedule' }>, root: string): ParityAnswer {
  const { train, test } = splitIndices(job.count);
  const split = readBuiltinSplit(root, job.dataset ?? 'digits');
  const sums = (d: { pixels: Uint8Array; count: number }): number[] => {
    const size = d.pixels.length / d.count;
    return Array.from({ length: d.count }, (_, n) => d.pixels.subarray(n * size, (n + 1) * size).reduce((a, b) => a + b, 0));
  };
  return {
    ok: true,
    train,
    test,
    trainLabels: Array.from(split.train.labels ?? []),
    testLabels: Array.from(split.test.labels ?? []),
    trainSums: sums(split.train),
    testSums: sums(split.test),
    batches: job.steps.map((step) => batchIndices(step, job.trainCount, job.settings.batchSize, job.settings.seed)),
    learningRates: job.steps.map((step) => learningRateAt(step, job.settings)),
  };
}

function labelDropoutJob(job: Extract<ParityJob, { op: 'labelDropout' }>): ParityAnswer {
  return {
    ok: true,
    labels: job.steps.map((step) => Array.from(dropLabels(job.labels, job.probability, job.seed, step, job.noClass))),
    draws: job.steps.map((step) => {
      const random = labelDropoutRandom(job.seed, step);
      return Array.from({ length: job.draws }, () => random());
    }),
  };
}

/** Runs every job in order; a job that throws answers with its error, and the rest still run. */
export async function runParityJobs(root: string, jobs: ParityJob[]): Promise<{ backend: string; answers: ParityAnswer[] }> {
  const backend = await useNodeBackend('wasm');
  const answers: ParityAnswer[] = [];
  for (const job of jobs) {
    try {
      if (job.op === 'logits') answers.push(await logitsJob(job));
      else if (job.op === 'adamSteps') answers.push(await adamStepsJob(job));
      else if (job.op === 'heldOut') answers.push(await heldOutJob(job, root));
      else if (job.op === 'sample') answers.push(await sampleJob(job));
      else if (job.op === 'labelDropout') answers.push(labelDropoutJob(job));
      else answers.push(scheduleJob(job, root));
    } catch (error) {
      answers.push({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { backend, answers };
}
