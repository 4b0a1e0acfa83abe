/**
 * The start the Model panel proposes for a dropped dataset: the shipped
 * model nearest to the images (gray → the digits model, colour → the
 * icons model), fine-tuned, when their size fits it and this browser can
 * train it in minutes; otherwise a new model whose size and image size this
 * browser can train in minutes. Its speed comes from what the engine has
 * measured (the backend trial, or training), scaled to each candidate by its
 * cost; its memory from the estimate in src/model/memory.ts. A pure
 * function over plain facts, with no tfjs, so the page and the engine can
 * both read it and a unit test can pin it down. README's "A start that fits
 * your data" has the measurements behind its choices.
 */
import { type BuiltinDatasetId, BUILTIN_DATASETS } from '../data/builtin';
import type { SourceFacts } from '../data/sourceFacts';
import { type PixelCNNConfig, CONFIG_SPEC, DEFAULT_CONFIG, describeConfig } from '../model/config';
import { type MemoryBackend, MEMORY_BUDGETS, estimateTrainingMemory, formatBytes, parameterFloats } from '../model/memory';

/** What the proposal knows of the data: the images' own size and colour, their count and classes. */
export interface DataFacts extends SourceFacts {
  images: number;
  /** The class folders' names, or null when the images have no classes. */
  classNames: readonly string[] | null;
}

/** A training speed the engine measured: one step of `batchSize` images of `config` took `msPerStep`. */
export interface MeasuredSpeed {
  config: PixelCNNConfig;
  batchSize: number;
  msPerStep: number;
  /** Where it was measured: the backend trial at start-up, or training. */
  source: 'trial' | 'training';
  backend: string;
}

/** A start: the shipped model of `from` carried to `config`'s classes, or (from null) a new model of `config`. */
export interface StartChoice {
  from: BuiltinDatasetId | null;
  config: PixelCNNConfig;
}

export interface StartProposal {
  start: StartChoice;
  /** A few words: what to do ("Fine-tune the shipped digits model"). */
  title: string;
  /** Why, in sentences a newcomer reads. */
  reasons: string[];
  /** Training steps in `minutes` at the measured (or assumed) speed. */
  steps: number;
  minutes: number;
  batchSize: number;
}

/** Minutes a newcomer's first training should show results in. */
export const START_MINUTES = 5;
/**
 * Fewest steps in START_MINUTES for each kind of start: a shipped model
 * already draws strokes and colours, and needs few steps to take in new
 * classes; a new model needs many more to get past blobs (README, "A start
 * that fits your data").
 */
export const MIN_FINE_TUNE_STEPS = 50;
export const MIN_FRESH_STEPS = 250;
/**
 * The speed assumed before the engine has measured any: a step of the
 * default model on 16 images, on one core of the WebAssembly backend
 * (docs/BENCHMARKS.md).
 */
export const ASSUMED_SPEED: MeasuredSpeed = { config: DEFAULT_CONFIG, batchSize: 16, msPerStep: 1800, source: 'trial', backend: 'wasm' };

/** Image sides a new model is proposed at, largest first (never above the images' own size). */
const SIDES = [32, 28, 24, 20, 16, 12, 8];
/** New models, largest first: layers, hidden channels and head, for gray (a multiple of 1) and colour (of 3). */
const SIZES: ReadonlyArray<{ layers: number; gray: [number, number]; colour: [number, number]; name: string }> = [
  { layers: 6, gray: [32, 128], colour: [24, 96], name: 'the usual size' },
  { layers: 5, gray: [24, 96], colour: [18, 72], name: 'a smaller model' },
  { layers: 4, gray: [16, 64], colour: [12, 48], name: 'a small model' },
];

/** Relative cost of a training step: every full-size convolution weight, applied at every position of every image. */
export function stepCost(config: PixelCNNConfig, batchSize: number): number {
  const { masks } = parameterFloats(config);
  const logits = config.colorChannels * config.levels * Math.max(1, config.headChannels);
  return batchSize * config.height * config.width * (masks + logits);
}

/** The time a step of `config` on `batchSize` images takes, scaled from a measured one by cost. */
export function estimateMsPerStep(speed: MeasuredSpeed, config: PixelCNNConfig, batchSize: number): number {
  return (speed.msPerStep * stepCost(config, batchSize)) / stepCost(speed.config, speed.batchSize);
}

/**
 * The start to propose for data with `facts`, given the shipped models'
 * configs (`shipped`, those this copy of the app has), the measured speed
 * (null: not measured yet, ASSUMED_SPEED stands in), the batch size and
 * the backend whose memory budget applies.
 */
export function proposeStart(
  facts: DataFacts,
  shipped: Partial<Record<BuiltinDatasetId, PixelCNNConfig>>,
  measured: MeasuredSpeed | null,
  { batchSize, backend, minutes = START_MINUTES }: { batchSize: number; backend: MemoryBackend; minutes?: number },
): StartProposal {
  const speed = measured ?? ASSUMED_SPEED;
  const classes = facts.classNames?.length ?? 0;
  const budgetMs = minutes * 60_000;
  const stepsIn = (config: PixelCNNConfig) => Math.floor(budgetMs / estimateMsPerStep(speed, config, batchSize));
  const fitsMemory = (config: PixelCNNConfig) => estimateTrainingMemory(config, batchSize).totalBytes <= MEMORY_BUDGETS[backend].bytes;
  const kind = facts.colour ? 'colour' : 'grayscale';
  const side = Math.min(facts.width, facts.height);
  // A clause: how fast this browser trains, and where that figure comes from.
  const pace =
    measured === null
      ? `at an assumed ${seconds(speed.msPerStep)} a step of the usual model (this browser's speed is not measured yet)`
      : `at the speed ${measured.source === 'trial' ? 'measured when the app started' : 'measured while training'} (${seconds(measured.msPerStep)} a step of ${measured.batchSize} images on ${measured.backend})`;
  const classText =
    classes > 0
      ? `your ${classes} classes (${listed(facts.classNames!)})`
      : 'your images (they have no classes: put them in one folder per class to ask for a class when drawing)';

  const nearest: BuiltinDatasetId = facts.colour ? 'icons' : 'digits';
  const set = BUILTIN_DATASETS[nearest];
  const base = shipped[nearest];
  const reasons: string[] = [];
  if (base) {
    const config: PixelCNNConfig = { ...base, classes, labelDropout: base.labelDropout };
    const steps = stepsIn(config);
    const sizeFits = side >= base.width && Math.max(facts.width, facts.height) <= 2 * side;
    if (sizeFits && steps >= MIN_FINE_TUNE_STEPS && fitsMemory(config)) {
      const scaled = facts.width !== base.width || facts.height !== base.height ? ` Your images are scaled to ${base.width}×${base.height} for it.` : '';
      return {
        start: { from: nearest, config },
        title: `Fine-tune the shipped ${set.title.toLowerCase()} model`,
        reasons: [
          `Your images are ${kind} and ${facts.width}×${facts.height}; the ${set.title.toLowerCase()} model was trained on ${kind} images of ${base.width}×${base.height}, so it already draws ${facts.colour ? 'coloured shapes on a plain background' : 'strokes on a plain background'}. Starting from it, its drawings take on the look of ${classText} within minutes${classes > 0 ? '; telling the classes apart takes longer' : ''}.${scaled}`,
          classes > 0
            ? `Its ${base.classes} classes make way for yours: each of yours that it does not know by name starts from what the model draws when asked for no class in particular.`
            : `Its classes are folded away: it starts from what it draws when given no class.`,
          `${pace[0].toUpperCase()}${pace.slice(1)}, ${minutes} minutes is about ${count(steps)} steps. Training needs about ${formatBytes(estimateTrainingMemory(config, batchSize).totalBytes)} of memory.`,
        ],
        steps,
        minutes,
        batchSize,
      };
    }
    if (!sizeFits)
      reasons.push(
        `The shipped ${set.title.toLowerCase()} model draws ${base.width}×${base.height} images; yours are ${facts.width}×${facts.height}, so it would have to blow them up or crop them too much.`,
      );
    else if (!fitsMemory(config)) reasons.push(`The shipped ${set.title.toLowerCase()} model needs more memory to train than this browser allows.`);
    else reasons.push(`The shipped ${set.title.toLowerCase()} model would train only about ${count(steps)} steps in ${minutes} minutes here.`);
  } else {
    reasons.push(`This copy of the app has no shipped ${set.title.toLowerCase()} model to start from.`);
  }

  const fresh = freshCandidates(facts, classes).find((c) => fitsMemory(c.config) && stepsIn(c.config) >= MIN_FRESH_STEPS) ?? smallestFresh(facts, classes);
  const steps = stepsIn(fresh.config);
  const { width, height, layers, hiddenChannels } = fresh.config;
  const resized = width !== facts.width || height !== facts.height ? `, your images scaled to ${width}×${height}` : '';
  reasons.push(
    `So a new model, ${fresh.name} for this browser${resized}: ${layers} layers of ${hiddenChannels} channels; ${pace}, ${minutes} minutes is about ${count(steps)} steps.`,
    `It learns ${classText} from scratch: expect blurry blobs at first and recognisable images only after longer training.`,
  );
  return { start: { from: null, config: fresh.config }, title: `Train a new ${width}×${height} model`, reasons, steps, minutes, batchSize };
}

/** New models for the data, in order of preference: the largest image side the data allows first, then the largest model. */
function freshCandidates(facts: SourceFacts, classes: number): Array<{ config: PixelCNNConfig; name: string }> {
  const side = Math.min(facts.width, facts.height);
  const sides = SIDES.filter((s) => s <= side);
  if (sides.length === 0) sides.push(Math.max(CONFIG_SPEC.width.range!.min, Math.min(side, SIDES.at(-1)!)));
  return sides.flatMap((s) => SIZES.map((size) => ({ config: freshConfig(facts, classes, s, size), name: size.name })));
}

function smallestFresh(facts: SourceFacts, classes: number): { config: PixelCNNConfig; name: string } {
  const side = Math.min(SIDES.at(-1)!, Math.min(facts.width, facts.height));
  const size = SIZES.at(-1)!;
  return { config: freshConfig(facts, classes, side, size), name: size.name };
}

function freshConfig(facts: SourceFacts, classes: number, side: number, size: (typeof SIZES)[number]): PixelCNNConfig {
  const [hiddenChannels, headChannels] = facts.colour ? size.colour : size.gray;
  const config: PixelCNNConfig = {
    ...DEFAULT_CONFIG,
    width: side,
    height: side,
    colorChannels: facts.colour ? 3 : 1,
    layers: size.layers,
    hiddenChannels,
    headChannels,
    firstKernelSize: side <= 16 ? 5 : DEFAULT_CONFIG.firstKernelSize,
    classes,
    labelDropout: classes > 0 ? DEFAULT_CONFIG.labelDropout : 0,
  };
  return config;
}

/** The proposal in one line, for a notice or a test's message. */
export function proposalSummary(proposal: StartProposal): string {
  return `${proposal.title}: ${describeConfig(proposal.start.config)}.`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown}, …` : shown;
}
