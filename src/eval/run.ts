/**
 * `npm run eval`: judges a digits model file by its likelihood and by its
 * samples. scripts/eval.mjs parses the command line and loads this file
 * through Vite's module runner.
 *
 * For the model it measures, on the wasm backend:
 *   - bits/dim on the held-out digits of the app's own split (with their
 *     labels, for a conditional model);
 *   - for `samples` images drawn at `temperature` with the incremental
 *     sampler (a conditional model's labels drawn from the training split's
 *     class frequencies, as the app's "any class" draws them): the share a
 *     digit classifier reads with p ≥ 0.9, the share read as the class asked
 *     for, the share with ink in the last row, and the share in two or more
 *     strokes;
 * and the same figures for the real held-out digits, side by side. The
 * classifier is trained on the training split (classifierCache.ts keeps it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { classCounts } from '../data/classes';
import { levelToByteTable } from '../data/quantise';
import type { ImageDataset } from '../data/types';
import { evaluateBitsPerDim } from '../model/evaluate';
import { sampleIncremental } from '../model/incrementalSampler';
import type { PixelCNN } from '../model/pixelcnn';
import { modelFromSaved, parseSavedModel } from '../model/serialize';
import { useNodeBackend } from '../node/backend';
import { readMnistSplit } from '../node/mnist';
import { encodeGrayPng } from '../node/png';
import { formatDuration } from '../pretrain/progressBar';
import { resolveDraw } from '../worker/conditioning';
import { DEFAULT_CLASSIFIER, type LabelledImages, classify } from './classifier';
import { CLASSIFIER_CACHE_DIR, loadOrTrainClassifier } from './classifierCache';
import {
  DEFAULT_SHAPE_SETTINGS,
  type GrayImages,
  type Readings,
  type ShapeFigures,
  askedForShares,
  confidentShare,
  readingsFromProbabilities,
  shapeFigures,
} from './metrics';

/** A classifier must be at least this sure of a class for an image to count as read. */
export const READ_THRESHOLD = 0.9;

export interface EvalCommand {
  root: string;
  /** The model file, relative to root or absolute. */
  modelFile: string;
  samples: number;
  temperature: number;
  seed: number;
  /** Where the PNG grid of the samples goes; relative to root or absolute. */
  gridFile: string;
  /** Images sampled together in one incremental pass. */
  batchSize: number;
  /** True when stderr is a terminal: redraw one progress line instead of printing many. */
  interactive: boolean;
}

/** The figures of one set of images (the model's samples, or real digits). */
export interface ImageFigures extends ShapeFigures {
  count: number;
  /** Share the classifier reads as some digit with p ≥ READ_THRESHOLD. */
  readable: number;
  /** For labelled images: share read as their own class with p ≥ READ_THRESHOLD, and by argmax. */
  asked?: { confident: number; argmax: number };
}

export interface EvalReport {
  model: string;
  architecture: string;
  classes: number;
  heldOutBitsPerDim: number;
  heldOutImages: number;
  classifier: { heldOutAccuracy: number; cached: boolean; file: string; trainSeconds: number };
  samples: ImageFigures & { temperature: number; seed: number; seconds: number; grid: string };
  real: ImageFigures;
  thresholds: { read: number; lastRowInk: number; stroke: number; minStrokePixels: number };
}

/** Creates the model the file describes, with its weights. */
function modelFromFile(file: string): PixelCNN {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the model file ${file} (${error instanceof Error ? error.message : String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON, so not a model file`);
  }
  return modelFromSaved(parseSavedModel(json));
}

function labelled(dataset: ImageDataset): LabelledImages {
  if (!dataset.labels || dataset.labels.some((label) => !(label >= 0 && label <= 9))) {
    throw new Error('the built-in digits carry no labels; delete public/data and run npm run prepare-data');
  }
  return { width: dataset.width, height: dataset.height, count: dataset.count, pixels: dataset.pixels, labels: dataset.labels };
}

async function figuresOf(
  images: GrayImages,
  readings: Readings,
  asked: Int32Array | undefined,
): Promise<ImageFigures> {
  return {
    count: images.count,
    readable: confidentShare(readings, READ_THRESHOLD),
    ...(asked ? { asked: askedForShares(readings, asked, READ_THRESHOLD) } : {}),
    ...shapeFigures(images, DEFAULT_SHAPE_SETTINGS),
  };
}

/** Images side by side in rows of `columns`, each `scale` times enlarged, with 1-pixel gray gutters. */
export function gridImage(images: GrayImages, columns: number, scale: number): { gray: Uint8Array; width: number; height: number } {
  const { width, height, count } = images;
  const rows = Math.max(1, Math.ceil(count / columns));
  const cellW = width * scale + 1;
  const cellH = height * scale + 1;
  const outW = columns * cellW - 1;
  const outH = rows * cellH - 1;
  const gray = new Uint8Array(outW * outH).fill(64);
  for (let n = 0; n < count; n++) {
    const x0 = (n % columns) * cellW;
    const y0 = Math.floor(n / columns) * cellH;
    for (let y = 0; y < height * scale; y++) {
      for (let x = 0; x < width * scale; x++) {
        gray[(y0 + y) * outW + x0 + x] = images.pixels[n * width * height + Math.floor(y / scale) * width + Math.floor(x / scale)];
      }
    }
  }
  return { gray, width: outW, height: outH };
}

/** The seed of sampling batch `batch`: each batch draws its own dice, all from the one seed. */
export function batchSeed(seed: number, batch: number): number {
  return (Math.imul(seed, 1000003) + batch) >>> 0;
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

export async function runEval(command: EvalCommand, log: (line: string) => void): Promise<EvalReport> {
  const resolve = (file: string): string => path.resolve(command.root, file);
  /** A path as the report shows it: relative inside the project, absolute outside. */
  const shown = (file: string): string => {
    const relative = path.relative(command.root, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };
  const backend = await useNodeBackend('wasm');
  const modelFile = resolve(command.modelFile);
  const model = modelFromFile(modelFile);
  try {
    const { config } = model;
    const { classes, architecture } = config;
    if (config.width !== 28 || config.height !== 28 || config.colorChannels !== 1) {
      throw new Error(
        `npm run eval judges models of the 28×28 grayscale digits; ${shown(modelFile)} is ` +
          `${config.width}×${config.height}${config.colorChannels === 3 ? ' RGB' : ''}`,
      );
    }
    if (classes !== 0 && classes !== 10) throw new Error(`the model has ${classes} classes; the digits have 10`);
    log(`${shown(modelFile)}: ${architecture}, ${classes > 0 ? `conditional on ${classes} classes` : 'unconditional'}; ${backend}.`);

    // Bytes for the classifier and the shape measures; the model's own levels for its likelihood.
    const bytes = readMnistSplit(command.root, 256);
    const train = labelled(bytes.train);
    const test = labelled(bytes.test);
    const atLevels = config.levels === 256 ? bytes : readMnistSplit(command.root, config.levels);

    log(`Scoring the ${test.count} held-out digits…`);
    const heldOut = atLevels.test;
    const heldOutBitsPerDim = await evaluateBitsPerDim(model, heldOut.pixels, heldOut.count, 16, classes > 0 ? test.labels : undefined);
    log(`  held-out bits/dim: ${heldOutBitsPerDim.toFixed(4)}`);

    log('Digit classifier (trained on the training split)…');
    const trainingStarted = performance.now();
    let lastShown = 0;
    const ready = await loadOrTrainClassifier(resolve(CLASSIFIER_CACHE_DIR), DEFAULT_CLASSIFIER, train, test, backend, (p) => {
      const line =
        `  training: epoch ${p.epoch + 1}/${p.epochs}, step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}, ` +
        `${formatDuration((performance.now() - trainingStarted) / 1000)} spent`;
      if (command.interactive) process.stderr.write(`\r${line}\x1b[K`);
      else if (p.step - lastShown >= 200 || p.step === p.steps) {
        lastShown = p.step;
        log(line);
      }
    });
    if (command.interactive && !ready.cached) process.stderr.write('\n');
    const classifierFile = shown(ready.file);
    log(
      `  held-out accuracy ${percent(ready.heldOutAccuracy)} ` +
        (ready.cached ? `(reused ${classifierFile})` : `(trained in ${formatDuration(ready.trainSeconds)}, kept in ${classifierFile})`),
    );

    try {
      const real = await figuresOf(test, readingsFromProbabilities(await classify(ready.classifier, test), 10), test.labels);

      // A conditional model draws "any class", as the app's first visit does: labels in proportion to the training split's classes.
      const asked =
        classes > 0 ? resolveDraw({ kind: 'any' }, command.samples, classes, command.seed, classCounts(train.labels, classes)).labels : undefined;
      const perImage = config.height * config.width;
      const toByte = levelToByteTable(config.levels);
      const samplePixels = new Uint8Array(command.samples * perImage);
      const batches = Math.ceil(command.samples / command.batchSize);
      log(`Sampling ${command.samples} digits at temperature ${command.temperature} (seed ${command.seed}), ${batches} batch${batches === 1 ? '' : 'es'} of up to ${command.batchSize}…`);
      const started = performance.now();
      let lastRow = -1;
      for (let b = 0; b < batches; b++) {
        const start = b * command.batchSize;
        const count = Math.min(command.batchSize, command.samples - start);
        const { pixels } = await sampleIncremental(model, {
          count,
          seed: batchSeed(command.seed, b),
          temperature: command.temperature,
          onSubPixel: ({ row }) => {
            if (row === lastRow) return;
            lastRow = row;
            const done = start + (count * row) / config.height;
            const spent = (performance.now() - started) / 1000;
            const left = done > 0 ? (spent * (command.samples - done)) / done : NaN;
            const line = `  batch ${b + 1}/${batches}, row ${row + 1}/${config.height} · ${formatDuration(spent)} spent · ${formatDuration(left)} left`;
            if (command.interactive) process.stderr.write(`\r${line}\x1b[K`);
            else if (row % 7 === 0) log(line);
          },
          ...(asked ? { labels: asked.slice(start, start + count) } : {}),
        });
        for (let i = 0; i < pixels.length; i++) samplePixels[start * perImage + i] = toByte[pixels[i]];
        lastRow = -1;
      }
      const seconds = (performance.now() - started) / 1000;
      if (command.interactive) process.stderr.write('\n');
      log(`  ${command.samples} samples in ${formatDuration(seconds)} (${((1000 * seconds) / command.samples).toFixed(0)} ms each)`);

      const images: GrayImages = { width: config.width, height: config.height, count: command.samples, pixels: samplePixels };
      const sampled = await figuresOf(images, readingsFromProbabilities(await classify(ready.classifier, images), 10), asked);

      const gridFile = resolve(command.gridFile);
      const columns = Math.ceil(Math.sqrt(command.samples));
      const grid = gridImage(images, columns, command.samples > 256 ? 1 : 2);
      fs.mkdirSync(path.dirname(gridFile), { recursive: true });
      fs.writeFileSync(gridFile, encodeGrayPng(grid.gray, grid.width, grid.height));

      return {
        model: shown(modelFile),
        architecture,
        classes,
        heldOutBitsPerDim,
        heldOutImages: test.count,
        classifier: { heldOutAccuracy: ready.heldOutAccuracy, cached: ready.cached, file: classifierFile, trainSeconds: ready.trainSeconds },
        samples: {
          ...sampled,
          temperature: command.temperature,
          seed: command.seed,
          seconds,
          grid: shown(gridFile),
        },
        real,
        thresholds: {
          read: READ_THRESHOLD,
          lastRowInk: DEFAULT_SHAPE_SETTINGS.lastRowThreshold,
          stroke: DEFAULT_SHAPE_SETTINGS.strokeThreshold,
          minStrokePixels: DEFAULT_SHAPE_SETTINGS.minStrokePixels,
        },
      };
    } finally {
      ready.classifier.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** The report as a table, samples beside real held-out digits, then one JSON line. */
export function formatReport(report: EvalReport): string[] {
  const { samples: s, real: r, thresholds: t } = report;
  const row = (label: string, model: string, real: string): string => `${label.padEnd(44)}${model.padStart(10)}${real.padStart(14)}`;
  const lines = [
    '',
    `${report.model} (${report.architecture}${report.classes > 0 ? `, ${report.classes} classes` : ''})`,
    `held-out bits/dim: ${report.heldOutBitsPerDim.toFixed(4)} (${report.heldOutImages} digits${report.classes > 0 ? ', with their labels' : ''})`,
    `digit classifier: ${percent(report.classifier.heldOutAccuracy)} right on the held-out digits`,
    '',
    row(`${s.count} samples at T = ${s.temperature}${report.classes > 0 ? ', any class' : ''}`, 'model', 'real digits'),
    row(`read as a digit with p ≥ ${t.read}`, percent(s.readable), percent(r.readable)),
  ];
  if (s.asked && r.asked) {
    lines.push(row(`read as the class asked for, p ≥ ${t.read}`, percent(s.asked.confident), percent(r.asked.confident)));
    lines.push(row('read as the class asked for, by argmax', percent(s.asked.argmax), percent(r.asked.argmax)));
  }
  lines.push(
    row(`ink in the last row (a pixel ≥ ${t.lastRowInk})`, percent(s.lastRowInk), percent(r.lastRowInk)),
    row(`two or more strokes (≥ ${t.stroke}, ${t.minStrokePixels}+ pixels)`, percent(s.brokenStrokes), percent(r.brokenStrokes)),
    row('no stroke at all', percent(s.noStroke), percent(r.noStroke)),
    '',
    `samples: ${s.grid} (${formatDuration(s.seconds)} to draw)`,
    JSON.stringify(report),
  );
  return lines;
}
