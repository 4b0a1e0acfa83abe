/**
 * The typed message protocol between the page and the engine worker.
 *
 * The page sends `EngineRequest`s, each in an `EngineCall` with an id, and
 * receives `EngineEvent`s; both are discriminated unions on `type`, so a
 * `switch` over them is checked for exhaustiveness on both sides.
 * Everything is structured-clone data; large byte buffers are transferred,
 * not copied.
 *
 * Every request is answered once, with its id: an `answer` event whose
 * outcome is done, or failed with a sentence for the user (RequestOutcome),
 * so the page can await each request. What runs on after a request is
 * answered streams as events: training steps, sample pixels, a ranking's
 * progress, and how each ended. Failures never vanish: one that belongs to
 * no request (a grid that fails while drawing) is an `error` event.
 */
import type { Architecture, PixelCNNConfig } from '../model/config';
import type { InputFile, SkippedFile } from '../data/types';
import type { BuiltinDatasetId } from '../data/builtin';
import type { InspectEvent, InspectRequest } from './inspectProtocol';
import type { SampleSettings, TrainSettings } from './settings';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** The adapter or renderer, e.g. "Google SwiftShader (software)". */
  adapter: string;
  /** True when the adapter is a software rasteriser (SwiftShader, llvmpipe) rather than a GPU. */
  software: boolean;
  /** True when the user asked for this backend rather than leaving the choice to the engine. */
  requested: boolean;
  /** For each faster backend that was not used, why not. */
  unavailable: Array<{ name: BackendName; reason: string }>;
  /** The measurement behind an automatic choice; absent when the user named the backend. */
  trial?: BackendTrial;
  /**
   * An automatic choice whose backends are not timed yet: a first visit
   * starts on WebAssembly and times them once the first images are drawn,
   * or when the user trains (`later`), then while they are timed (`running`).
   * The figures arrive in a `backend` event.
   */
  trialPending?: 'later' | 'running';
}

/**
 * What became of one backend in the start-up trial:
 * - `timed`: it trained the trial batch, `msPerStep` is its median step;
 * - `too-slow`: its first step overran the deadline and was abandoned;
 * - `failed`: it could not start or threw while training;
 * - `skipped`: not tried (the tfjs CPU backend, when something else works);
 * - `unavailable`: the browser does not offer it (no navigator.gpu, no WebGL 2).
 */
export type TrialOutcome = 'timed' | 'too-slow' | 'failed' | 'skipped' | 'unavailable';

export interface BackendFigure {
  name: BackendName;
  adapter: string;
  /** A software rasteriser (SwiftShader, llvmpipe, a fallback adapter) rather than a GPU. */
  software: boolean;
  outcome: TrialOutcome;
  /** Median wall time of a timed training step; only for `timed`. */
  msPerStep?: number;
  /** The first (warm-up) step, shader compilation included, when it finished. */
  warmUpMs?: number;
  /** Why it was not timed, in a phrase for the user; for every outcome but `timed`. */
  note?: string;
  /** What trying it cost start-up: starting it, the model, and the steps. */
  trialMs?: number;
  /** wasm: the cores that shared each timed step (the engine and its helper workers), as training uses them; absent: one. */
  cores?: number;
}

export interface BackendTrial {
  /** Which config and adapters the figures are for; a remembered trial is reused only when this matches. */
  key: string;
  /** The model that was timed. */
  config: PixelCNNConfig;
  /** Images in the trial batch and timed steps after the warm-up step. */
  batch: number;
  steps: number;
  /** In the order tried. */
  figures: BackendFigure[];
  chosen: BackendName;
  /** Wall time of the whole trial. */
  totalMs: number;
  measuredAt: string;
  /** 'remembered' when these figures were stored from an earlier start and not measured again. */
  source: 'measured' | 'remembered';
}

// Every training and sampling setting, its label, hint, limits and default, declared once for the engine and the page.
export {
  type ClassDraw,
  type NumberSetting,
  type SampleSettings,
  type TrainSettings,
  CLASS_DRAW_KINDS,
  DEFAULT_SAMPLE_SETTINGS,
  DEFAULT_TRAIN_SETTINGS,
  LEARNING_RATE_WARN_ABOVE,
  MAX_SAMPLE_IMAGES,
  MAX_SEED,
  MAX_TRAINING_CORES,
  SAMPLE_SETTINGS,
  TRAIN_SETTINGS,
  allowedRange,
  defaultTrainingCores,
  settingProblem,
  settingsProblem,
} from './settings';
/** One saved checkpoint in the training history (the weights stay in storage). */
export interface CheckpointInfo {
  id: number;
  steps: number;
  savedAt: string;
  /** Held-out bits/dim when it was taken, when known. */
  heldOutBitsPerDim: number | null;
  origin: ModelOrigin;
  /** Why it was taken, as a phrase: "training paused", "before Reset". */
  note: string;
  /** The architecture, in one line (describeConfig). */
  description: string;
}

export interface CheckpointList {
  /** Newest first. */
  entries: CheckpointInfo[];
  /** The best (lowest held-out bits/dim) of the current model's architecture: what a diverging run goes back to. */
  bestId: number | null;
  /** Whether the shipped pretrained model can be restored. */
  pretrained: boolean;
}

/** Where the current weights came from, shown in the model panel (recorded in the model file too). */
export type { ModelOrigin } from '../model/modelMeta';
export type { StartChoice, StartProposal } from './startProposal';
import type { StartChoice, StartProposal } from './startProposal';
import type { ModelOrigin } from '../model/modelMeta';

/** One mask, reduced to what a picture needs. */
export interface MaskGrid {
  kernelSize: number;
  /**
   * kernelSize² cells in raster order: 1 where every channel pair is open,
   * 0 where none is, 2 where only some are (the centre of a colour model,
   * whose group-by-group wiring is in `centre`).
   */
  spatial: number[];
  /** colorChannels² entries [gIn · C + gOut]: 1 where the centre tap connects the groups. */
  centre: number[];
}

/** A mask of the first layer (A) and of every later layer (B). */
export interface MaskPair {
  a: MaskGrid;
  b: MaskGrid;
}

/** The masks as the model really uses them. */
export interface MaskPicture {
  architecture: Architecture;
  colorChannels: number;
  /**
   * Masks A and B of the PixelCNN's masked convolutions. A Gated PixelCNN has
   * none of its own; these are then the ones a PixelCNN of the same kernel
   * sizes would use, for comparison with its stacks.
   */
  causal: MaskPair;
  /** The Gated PixelCNN's vertical stack (rows above) and horizontal stack (the row to the left). */
  stacks?: { vertical: MaskPair; horizontal: MaskPair };
}

export interface ModelSummary {
  config: PixelCNNConfig;
  parameterCount: number;
  origin: ModelOrigin;
  /** Optimizer steps taken on these weights, across sessions. */
  steps: number;
  masks: MaskPicture;
  /** Facts recorded with the weights (the pretrained model's card, for example). */
  card: Record<string, unknown>;
  /** A conditional model's class names in label order (config.classes of them); empty for an unconditional one. */
  classNames: string[];
  /** The guidance weight the model samples with unless the user picks another (meta.guidance); 1 when it cannot be guided. */
  guidance: number;
  /** Why the model cannot be sampled with guidance, or null when it can. */
  guidanceUnavailable: string | null;
}

/** A class of the dataset and how many of its images are in each set. */
export interface ClassSummary {
  name: string;
  train: number;
  test: number;
}

export interface DatasetSummary {
  /** e.g. "MNIST digits (built in)" or "42 dropped images". */
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  levels: number;
  trainCount: number;
  testCount: number;
  /** Files from the last import that were accepted. */
  accepted: number;
  /** Files from the last import that were not used, each with its reason. */
  skipped: SkippedFile[];
  /** The first few training images, count × H × W × C levels, for the preview grid. */
  preview: Uint8Array;
  previewCount: number;
  /** The classes in label order, or null when the images have no classes. */
  classes: ClassSummary[] | null;
  /** Why the images have no classes (null when they have classes). */
  unlabelledReason: string | null;
  /** Which built-in dataset this is, or null for the user's own images. */
  builtin: BuiltinDatasetId | null;
  /**
   * The files of the last drop when none of them could be used, each with its
   * reason; the dataset, and the counts above, are then still the previous one.
   */
  failedDrop?: SkippedFile[];
}

export type EngineRequest =
  /**
   * Start (or restart) the engine. `backend` pins a backend and skips the
   * trial; without it, a `remembered` trial whose key still matches is reused
   * instead of measuring again. `sampleOnStart`: when the engine starts from
   * the shipped pretrained model, it begins sampling with these settings at
   * once, so a first visit sees digits being drawn without a click.
   */
  | {
      type: 'init';
      config: PixelCNNConfig;
      backend?: BackendName;
      remembered?: BackendTrial;
      sampleOnStart?: SampleSettings;
      /** False when another tab owns the saved model: this engine then writes nothing to browser storage. Default true. */
      saving?: boolean;
      /**
       * Set when the last visit's start failed (why, in words: the page's
       * safeStart.ts): the engine starts from the shipped model instead of the
       * saved one, which it keeps in the history, and says so.
       */
      safeStart?: string;
    }
  /** A new model; `batchSize`: the training batch its memory is checked for (the engine's last one when absent). */
  | { type: 'setConfig'; config: PixelCNNConfig; batchSize?: number }
  | { type: 'resetModel' }
  /** Puts in use a start for the data (a proposal's, StartProposal.start): the shipped model carried to the data's classes, or a new model. */
  | { type: 'useStart'; start: StartChoice }
  /**
   * A built-in dataset (the digits when `id` is absent). `withModel` installs
   * the model shipped for it, keeping the current one in the history first;
   * `sample` then starts drawing from it at once.
   */
  | { type: 'useBuiltinDataset'; id?: BuiltinDatasetId; withModel?: boolean; sample?: SampleSettings }
  /**
   * Images the user dropped or picked. `mode`: 'replace' (the default) makes
   * them the dataset; 'add' adds them to the user's own images in use.
   * `notRead`: files of the drop the page left unread (over the file cap),
   * reported with the skipped ones.
   */
  | { type: 'importImages'; files: InputFile[]; mode?: 'replace' | 'add'; notRead?: SkippedFile[] }
  /**
   * Cancels the imports of images not yet answered (handled at once, not
   * after the requests before it): each stops before its next file, keeps
   * nothing, and is answered as failed, saying so; the images in use stay.
   */
  | { type: 'cancelImport' }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'pause' }
  | { type: 'step'; settings: TrainSettings }
  | { type: 'updateTrainSettings'; settings: TrainSettings }
  | { type: 'sample'; settings: SampleSettings }
  /** Continue held-out image `testIndex` from its top half, `settings.count` times. */
  | { type: 'complete'; testIndex: number; settings: SampleSettings }
  /**
   * Continue the user's drawing: `image` holds H × W × C levels at the
   * model's size (quantised as dataset images are); its first `keepRows`
   * rows are kept and the rest is drawn, `settings.count` times side by side.
   */
  | { type: 'completeDrawing'; image: Uint8Array; keepRows: number; settings: SampleSettings }
  | { type: 'setSampleDelay'; delayMs: number }
  | { type: 'stopSampling' }
  | InspectRequest
  | { type: 'exportModel' }
  /** `switchArchitecture`: a file of another architecture may replace the model (asked first through 'importNeedsSwitch'). */
  | { type: 'importModel'; text: string; fileName: string; switchArchitecture?: boolean }
  /** Go back to a checkpoint of the history, or to the model shipped with the app. */
  | { type: 'restoreCheckpoint'; checkpoint: number | 'pretrained' }
  /** Delete a checkpoint from the history (to make room in browser storage); a model left unsaved for want of room is saved again. */
  | { type: 'deleteCheckpoint'; checkpoint: number }
  /** Save the model now (the page is being hidden or closed); while training, at the end of the current step. */
  | { type: 'saveNow' }
  /** Whether this tab owns browser storage; gaining it (a take-over) writes this tab's model and images at once. */
  | { type: 'setSaving'; saving: boolean };

/** A request as it travels to the engine: `id` comes back with its answer (the `answer` event). */
export interface EngineCall {
  id: number;
  request: EngineRequest;
}

/**
 * What became of a request: done (for a request that starts a run, such as
 * training or sampling, done once the run has started), or failed, with a
 * sentence for the user and the panel it belongs to. A failure that ends
 * the engine is a `fatal` event too.
 */
export type RequestOutcome = { status: 'done' } | { status: 'failed'; context: ErrorContext; message: string };

export interface SampleStart {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  levels: number;
  /** Sub-pixels per image already known (a completion prefix), in generation order. */
  prefixLength: number;
  /** count × H × W × C levels: the prefix, zeros elsewhere. */
  initial: Uint8Array;
  /** Columns of the grid: null for a near-square grid, the images per class for one row per class. */
  columns: number | null;
  /** Each image's class name, for a conditional model; null for an unconditional one. */
  captions: string[] | null;
}

/**
 * One strip of the learning timeline (engine/learningTimeline.ts): the same
 * seed's images drawn from the weights after `step` steps.
 */
export interface LearningStrip {
  /** Which timeline it belongs to: a new number once the model is replaced, so the page starts a new one. */
  timeline: number;
  step: number;
  /** Training time of this timeline when it was drawn, in ms (0 for the strip before training). */
  elapsedMs: number;
  /** Wall time drawing it took, in ms (training waited that long). */
  drawMs: number;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  levels: number;
  /** count × H × W × C levels. */
  pixels: Uint8Array;
  /** Each image's class name, for a conditional model; null for an unconditional one. */
  captions: string[] | null;
  /** The guidance weight it was drawn with (the model's default). */
  guidance: number;
}

export type EngineEvent =
  | { type: 'ready'; backend: BackendInfo }
  /** The backend after the engine started: its trial began, its figures arrived, or it moved to the fastest. */
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'model'; model: ModelSummary }
  | { type: 'dataset'; dataset: DatasetSummary }
  /** The start the Model panel proposes for images just dropped, and why (startProposal.ts); null when there is none to show. */
  | { type: 'startProposal'; proposal: StartProposal | null }
  | { type: 'datasetProgress'; done: number; total: number }
  /** reason: why training stopped on its own (a diverging loss, a failure); the only report of it. */
  | { type: 'training'; running: boolean; reason?: string }
  | { type: 'trainStep'; step: number; bitsPerDim: number; stepsPerSecond: number }
  /** How many cores compute each training batch (1 off wasm); sent at start-up and whenever it changes. */
  | { type: 'trainingCores'; cores: number }
  /** How a training step's arithmetic runs: tfjs ops, or the project's own WebAssembly SIMD kernels (wasm, a model they train); sent when it changes. */
  | { type: 'trainingArithmetic'; arithmetic: 'tfjs' | 'SIMD kernels' }
  | { type: 'evaluation'; step: number; testBitsPerDim: number }
  /** While training: a strip of the learning timeline, drawn between two steps. */
  | { type: 'learningStrip'; strip: LearningStrip }
  | { type: 'sampleStart'; sample: SampleStart }
  /**
   * Sub-pixels drawn since the last message: generation-order indices
   * `from` up to (not including) `to`, with `values` holding count × (to − from)
   * levels, image-major.
   */
  | { type: 'samplePixels'; from: number; to: number; values: Uint8Array; elapsedMs: number }
  | { type: 'sampleDone'; completed: number; total: number; elapsedMs: number; stopped: boolean }
  | InspectEvent
  | { type: 'exported'; text: string; fileName: string }
  /** A model file of another architecture: nothing changed yet; the page asks whether to switch to `config`. */
  | { type: 'importNeedsSwitch'; fileName: string; config: PixelCNNConfig; steps: number }
  | { type: 'checkpoints'; list: CheckpointList }
  /** A write was refused: another tab's engine has claimed browser storage, so this one no longer saves. */
  | { type: 'storageTaken' }
  /**
   * A write the browser refused for want of room, in plain words (what was
   * not saved, what it needs, what to do); null once a write went through.
   * It lasts until then, unlike a notice.
   */
  | { type: 'saveProblem'; message: string | null }
  /** A passing remark; `lasting` ones stay until the user dismisses them (what a safe start did, say). */
  | { type: 'notice'; message: string; lasting?: boolean }
  /** The outcome of the request sent with `id` (EngineCall). */
  | { type: 'answer'; id: number; outcome: RequestOutcome }
  /** A failure that belongs to no request, such as a grid that fails while drawing (its run has ended already: `sampleDone`). */
  | { type: 'error'; context: ErrorContext; message: string }
  /** The engine cannot go on (a WebAssembly abort, out of memory, a lost device): the page starts a new one. `message` is plain words. */
  | { type: 'fatal'; message: string };

/** Which panel an error belongs to, so the page shows it where the user acted. */
export type ErrorContext = 'backend' | 'dataset' | 'model' | 'training' | 'sampling' | 'import' | 'export' | 'worker';
