import * as tf from '@tensorflow/tfjs';
import {
  type PixelCNN,
  type PixelCNNConfig,
  type SavedModel,
  ConfigError,
  ModelFileError,
  createPixelCNN,
  evaluateBitsPerDim,
  loadWeights,
  modelFromSaved,
  parseSavedModel,
  sampleIncremental,
  saveModel,
  seededRandom,
  validateConfig,
  DEFAULT_CONFIG,
  describeConfig,
  sameArchitecture,
} from '../model';
import { noClassLabel } from '../model/config';
import { guidanceUnavailable, modelGuidance, runGuidance } from '../model/guidance';
import { dropLabelsWith } from '../model/labelDropout';
import { isModelCard, stepsBeyondCard } from '../model/card';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { importImages, type ImageDecoder } from '../data/importImages';
import { retargetDataset } from '../data/retarget';
import { datasetClasses, listNames } from '../data/classes';
import { sampleLabelledBatch, splitDataset } from '../data/split';
import type { ImageDataset, ImageTarget, InputFile, SkippedFile } from '../data/types';
import { UserFacingError, errorText, fatalEngineProblem } from './errors';
import { SAMPLE_SETTINGS, TRAIN_SETTINGS, settingsProblem } from './settings';
import { type MemoryBackend, MEMORY_BUDGETS, memoryProblem } from '../model/memory';
import { classMismatch, classNamesOf, classSummary, defaultClassNames, gridClasses } from './conditioning';
import { maskPicture } from './maskPicture';
import { type CheckpointStorage, CheckpointHistory, memoryCheckpointStorage } from './checkpoints';
import { DivergenceWatch } from './divergence';
import type { DatasetStore, ModelStore } from './modelStore';
import { defaultTrainingCores } from './protocol';
import { HelperPool, type StartHelper } from './dataParallel/pool';
import type {
  BackendInfo,
  BackendName,
  BackendTrial,
  DatasetSummary,
  EngineEvent,
  EngineRequest,
  ErrorContext,
  MaskPicture,
  ModelOrigin,
  SampleSettings,
  TrainSettings,
} from './protocol';
import { type SampleRun, type SamplerFn, SamplingSession, yieldToMessages } from './samplingSession';
import type { EarlyGrid } from './earlyGrid';
import { Inspector } from './inspector';
import { DivergenceError, type SharedBatch, Trainer } from './trainer';
import { LateTrial, type LateTrialDeps } from './lateTrial';

/**
 * The engine: owns the model, the dataset, training and sampling, and turns
 * requests from the page into events. It knows nothing about workers — the
 * worker entry point feeds it messages — so it also runs under Node in tests.
 */
export interface EngineDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  store: ModelStore;
  /** Where the user's own images are kept between visits; without it they last until the page closes. */
  datasets?: DatasetStore;
  /** `first` pins a backend; without it, `auto` lets the backend be chosen by timing this model. */
  selectBackend(first?: BackendName, auto?: { config: PixelCNNConfig; remembered?: BackendTrial }): Promise<BackendInfo>;
  /** For a start that left the backend trial for later (BackendInfo.trialPending): times the backends, moves to the fastest. */
  lateTrial?: Pick<LateTrialDeps, 'time' | 'adopt'>;
  /** Starts fetching what a first visit needs (the shipped model, the digits) while the backend starts. */
  prefetchFirstVisit?(): void;
  /** The built-in digits at their stored geometry (28×28, gray, 256 levels). */
  loadBuiltinDigits(): Promise<ImageDataset>;
  /** The other built-in datasets at their stored geometry (src/data/builtin.ts); without it only the digits are offered. */
  loadBuiltin?(id: BuiltinDatasetId): Promise<ImageDataset>;
  /** Image decoder for imports; the browser's when omitted. */
  decode?: ImageDecoder;
  /** How images are sampled; the incremental sampler unless a test swaps it. */
  sampler?: SamplerFn;
  /** Called once the backend is up, with a promise that settles if the GPU is lost. */
  deviceLost?(): Promise<string> | null;
  /** The model shipped for a built-in dataset (the digits by default), or null when there is none; a first visit starts from the digits'. */
  loadPretrained?(id?: BuiltinDatasetId): Promise<SavedModel | null>;
  /** Where the training history (checkpoints) is kept; in memory when omitted. */
  checkpoints?: CheckpointStorage;
  /**
   * Makes this engine the one that writes browser storage (when it starts
   * saving); afterwards its writes fail with a StorageTakenError once another
   * engine has claimed it. Omitted: writes are never refused.
   */
  claimStorage?(): Promise<void>;
  /**
   * Helper workers that share every training batch (src/worker/dataParallel);
   * without them the engine trains alone. `cores`: the device's
   * (navigator.hardwareConcurrency), for the default count. `backends`: the
   * tfjs backends that share batches, wasm unless a test says otherwise; the
   * GPU backends train on the engine alone.
   */
  trainingHelpers?: { start: StartHelper; cores?: number; backends?: string[] };
  /**
   * A first visit's first grid, already drawing from the shipped model's file
   * without tfjs (the worker entry starts it, earlyGrid.ts): init adopts it
   * as its own first grid when it is the grid init would draw, and stops it
   * otherwise.
   */
  earlyGrid?: EarlyGrid;
}

/** Steps between held-out evaluations while training. */
const EVALUATE_EVERY = 25;
/** Steps between saves to browser storage while training… */
const SAVE_EVERY = 50;
/** …and the longest wait between them: with the step under way, a reload or crash loses at most about 5 s of work. */
const SAVE_INTERVAL_MS = 4_000;
/** While training, a checkpoint joins the history at the first evaluation this long after the last one. */
const CHECKPOINT_INTERVAL_MS = 120_000;
/** Held-out images used per evaluation: enough for a stable number, cheap enough to run often. */
const EVALUATION_IMAGES = 64;
const PREVIEW_IMAGES = 32;
const DEFAULT_TRAIN: TrainSettings = { learningRate: 0.001, batchSize: 16 };

type DatasetSource = { kind: 'builtin'; id: BuiltinDatasetId } | { kind: 'files'; files: InputFile[] };

interface LoadedData {
  name: string;
  train: ImageDataset;
  test: ImageDataset;
  accepted: number;
  skipped: SkippedFile[];
  /** Why the images have no classes; null when they have classes. */
  unlabelledReason: string | null;
}

/** Said when the built-in digits arrive without labels (an old or damaged prepared file). */
const DIGITS_UNLABELLED = 'the built-in digits came without their labels; run npm run prepare-data to rebuild public/data';
const BUILTIN_UNLABELLED = 'the built-in images came without their labels; run npm run prepare-data to rebuild public/data';

export class Engine {
  private model: PixelCNN | null = null;
  private trainer: Trainer | null = null;
  private origin: ModelOrigin = 'new';
  private card: Record<string, unknown> = {};
  /** The weight the model samples with unless a request says otherwise (meta.guidance; 1 for a model that cannot be guided). */
  private guidance = 1;
  /** A conditional model's class names in label order, kept with its weights (meta.classNames). */
  private classNames: string[] = [];
  /** The model's masks never change, so their picture is read back once per model. */
  private masks: Promise<MaskPicture> | null = null;
  private trainSettings: TrainSettings = DEFAULT_TRAIN;
  /** The helper workers, once training first shares a batch. */
  private helperPool: HelperPool | null = null;
  /** The cores last announced to the page (a `trainingCores` event). */
  private announcedCores = 0;

  private source: DatasetSource = { kind: 'builtin', id: 'digits' };
  /** Built-in datasets at their stored geometry, each loaded once. */
  private readonly builtins = new Map<BuiltinDatasetId, ImageDataset>();
  private data: LoadedData | null = null;
  private batchRandom = seededRandom(12345);

  private training = false;
  private trainLoop: Promise<void> | null = null;

  /** False while another tab owns browser storage: nothing is written, and the history lives in memory. */
  private saving = true;
  private readonly savedHistory: CheckpointHistory;
  private readonly localHistory = new CheckpointHistory(memoryCheckpointStorage());
  /** Whether the current weights are already in the history, or were saved since their last step. */
  private checkpointed = false;
  private unsaved = false;
  private saveRequested = false;
  private lastSaveTime = 0;
  private lastCheckpointTime = 0;
  private lastEvaluation: { step: number; bits: number } | null = null;
  private watch: DivergenceWatch | null = null;
  private sampling: SampleRun | null = null;
  /** A first visit's backend trial, run after the first grid or before the first training step. */
  private lateTrial: LateTrial | null = null;
  /** The latest sampling run, kept after it ends so its images can be inspected. */
  private lastSampling: SampleRun | null = null;
  private readonly inspector = new Inspector({
    emit: (event, transfer) => this.deps.emit(event, transfer),
    model: () => this.requireModel(),
    steps: () => this.trainer?.steps ?? 0,
    sample: () => this.lastSampling,
    heldOut: () => this.heldOutForInspection(),
    className: (label) => this.classNames[label] ?? String(label),
  });
  private queue: Promise<void> = Promise.resolve();
  /** The early first grid (EngineDeps.earlyGrid) was adopted or stopped. */
  private earlyGridSettled = false;

  constructor(private readonly deps: EngineDeps) {
    this.savedHistory = new CheckpointHistory(deps.checkpoints ?? memoryCheckpointStorage());
  }

  /** Requests are handled one at a time, in order; long jobs (training, sampling) run in the background. */
  handle(request: EngineRequest): Promise<void> {
    this.queue = this.queue.then(() => this.dispatch(request)).catch((error) => this.fail(contextOf(request), error));
    return this.queue;
  }

  private async dispatch(request: EngineRequest): Promise<void> {
    switch (request.type) {
      case 'init':
        return this.init(request);
      case 'setConfig':
        return this.replaceModel(request.config, 'before a new model', request.batchSize);
      case 'resetModel':
        return this.replaceModel(this.requireModel().config, 'before Reset');
      case 'useBuiltinDataset':
        if (request.id !== undefined && !isBuiltinDatasetId(request.id)) {
          throw new UserFacingError('dataset', `There is no built-in dataset called "${String(request.id)}"; there are ${BUILTIN_DATASET_IDS.join(' and ')}.`);
        }
        return this.useBuiltin(request.id ?? 'digits', request.withModel ?? false, request.sample);
      case 'importImages': {
        // Added to the user's own images in use, or in their place.
        const files = request.mode === 'add' && this.source.kind === 'files' ? [...this.source.files, ...request.files] : request.files;
        await this.importFiles(files, { notRead: request.notRead });
        return this.keepDataset(files);
      }
      case 'train':
        this.trainSettings = this.fittingTrainSettings(request.settings);
        return this.startTraining();
      case 'pause':
        return this.pauseTraining();
      case 'step':
        this.trainSettings = this.fittingTrainSettings(request.settings);
        return this.singleStep();
      case 'updateTrainSettings':
        this.trainSettings = this.fittingTrainSettings(request.settings);
        this.trainer?.setLearningRate(this.trainSettings.learningRate);
        this.announceCores();
        return;
      case 'sample':
        return this.startSampling(request.settings);
      case 'complete':
        return this.startCompletion(request.testIndex, request.settings);
      case 'completeDrawing':
        return this.startDrawingCompletion(request.image, request.keepRows, request.settings);
      case 'setSampleDelay':
        this.sampling?.setDelay(Math.max(0, request.delayMs));
        return;
      case 'stopSampling':
        return this.stopSampling();
      case 'setBeliefImage':
      case 'inspect':
      case 'rankHeldOut':
        return this.inspector.handle(request);
      case 'exportModel':
        return this.exportModel();
      case 'importModel':
        return this.importModel(request.text, request.fileName, request.switchArchitecture ?? false);
      case 'restoreCheckpoint':
        return this.restoreCheckpoint(request.checkpoint);
      case 'saveNow':
        if (this.training) this.saveRequested = true;
        else if (this.unsaved) await this.persist();
        return;
      case 'setSaving':
        return this.setSaving(request.saving);
      case 'crashForTest':
        if (request.how === 'uncaught') {
          setTimeout(() => {
            throw new Error('The engine was stopped on purpose by a test.');
          }, 0);
          return;
        }
        throw Object.assign(new Error('Aborted(). Build with -sASSERTIONS for more info.'), { name: 'RuntimeError' });
      default: {
        const unknown: never = request;
        throw new Error(`Unknown request ${JSON.stringify(unknown)}`);
      }
    }
  }

  // ── Start-up ──────────────────────────────────────────────────────────

  private async init({ config, backend, remembered, sampleOnStart, saving }: Extract<EngineRequest, { type: 'init' }>): Promise<void> {
    this.saving = saving ?? true;
    if (this.saving) await this.claimStorage();
    // A remembered config too big for this browser (an older version remembered configs before they were built) is not timed or built.
    const tooBig = memoryProblem(config, this.trainSettings.batchSize, this.memoryBackend(backend));
    if (tooBig) {
      this.deps.emit({ type: 'notice', message: `The remembered model settings were not used: ${tooBig}` });
      config = DEFAULT_CONFIG;
    }
    // Nothing remembered and no backend pinned: likely a first visit, which draws the shipped model as soon as it can.
    const firstVisit = !backend && !remembered;
    if (firstVisit) this.deps.prefetchFirstVisit?.();
    // What picks the first model is read while the backend starts (neither needs tfjs): the remembered built-in
    // set and a saved model from storage, and on a likely first visit the shipped model's file, fetched and parsed.
    const builtinRead = this.rememberedBuiltin();
    const storedRead = settled(this.deps.store.load());
    const loadPretrained = this.deps.loadPretrained;
    const shippedRead = firstVisit && loadPretrained ? builtinRead.then((id) => settled(loadPretrained(id ?? 'digits'))) : null;
    const info = await this.deps.selectBackend(backend, { config, remembered });
    this.deps.emit({ type: 'ready', backend: info });
    this.announceCores();
    if (info.trialPending && this.deps.lateTrial) {
      let watched = info.name;
      const report = (backend: BackendInfo) => {
        this.deps.emit({ type: 'backend', backend });
        // A move to another backend (a GPU) is watched for a lost device, as a start on it is.
        if (backend.name !== watched) {
          watched = backend.name;
          this.watchDevice();
        }
      };
      const notice = (message: string) => this.deps.emit({ type: 'notice', message });
      this.lateTrial = new LateTrial({ ...this.deps.lateTrial, report, notice }, () => this.requireModel().config, info);
    }
    this.watchDevice();

    // A model saved in this browser (the user's own work) comes first, then the shipped one.
    const builtin = (await builtinRead) ?? 'digits';
    // The built-in set whose shipped model was installed just now, if one was.
    let shipped: BuiltinDatasetId | null = null;
    if (!(await this.restoreSavedModel(storedRead))) {
      if (await this.startFromPretrained(builtin, shippedRead)) shipped = builtin;
      else {
        this.installModel(createPixelCNN(config, Date.now() % 100000), 'new', newModelFacts(config));
        await this.persist();
      }
    }
    await this.emitModel();
    // The shipped model's first grid starts before the dataset is announced: the page takes a while to show
    // a dataset, and the first pixels should not queue behind it. The images are loaded first all the same,
    // so a conditional model draws its classes as often as the training data has them, as on any later run.
    const firstGrid = sampleOnStart && this.origin === 'pretrained' ? sampleOnStart : null;
    const classNames = this.classNames;
    await this.restoreDataset(!firstGrid);
    // A first visit's grid may be drawing already, from the shipped model's file (EngineDeps.earlyGrid).
    const adopted = firstGrid !== null && this.adoptEarlyGrid(firstGrid, shipped);
    if (!adopted) await this.stopEarlyGrid();
    if (firstGrid) {
      if (!adopted) await this.startSampling(firstGrid);
      await this.sampling?.firstPixels;
      await this.announceData(this.classNames !== classNames);
    }
    // The history waits for the first pixels.
    await this.emitCheckpoints();
    // The first pixels come first: the backend trial waits for the first grid (lateTrial.ts).
    this.lateTrial?.startAfter(this.sampling?.finished);
  }

  /**
   * Takes the early first grid (EngineDeps.earlyGrid) as this start's first
   * grid when it draws what startSampling(settings) would: the shipped model
   * of set `shipped`, just installed, with the same settings, classes and
   * captions. True when adopted.
   */
  private adoptEarlyGrid(settings: SampleSettings, shipped: BuiltinDatasetId | null): boolean {
    const early = this.deps.earlyGrid;
    if (!early || this.earlyGridSettled || shipped !== early.id || early.failed()) return false;
    const model = this.requireModel();
    if (settingsProblem(SAMPLE_SETTINGS, settings, ['guidance']) || !sameArchitecture(model.config, early.saved.config)) return false;
    const grid = gridClasses(settings, model.config.classes, this.trainingClassCounts(), this.classNames);
    const drawn = early.session.drawn();
    const { guidance, dropped } = runGuidance(model.config, this.guidance, settings.guidance);
    const same =
      sameDrawSettings(drawn.settings, { ...settings, count: grid.count }) &&
      drawn.guidance === guidance &&
      sameList(drawn.labels, grid.labels ?? null) &&
      sameList(drawn.captions, grid.captions) &&
      drawn.columns === grid.columns;
    if (!same) return false;
    if (dropped) this.deps.emit({ type: 'notice', message: dropped });
    this.earlyGridSettled = true;
    this.follow(early.session);
    return true;
  }

  /** Stops the early first grid, if there is one this engine did not adopt, before anything else draws. */
  private async stopEarlyGrid(): Promise<void> {
    const early = this.deps.earlyGrid;
    if (!early || this.earlyGridSettled) return;
    this.earlyGridSettled = true;
    early.session.stop();
    await early.session.finished.catch(() => undefined);
  }

  /** Stops training and sampling if the GPU device behind the current backend is lost: the engine is dead, and the page starts a new one. */
  private watchDevice(): void {
    this.deps.deviceLost?.()?.then((message) => {
      this.training = false;
      this.sampling?.stop();
      this.deps.emit({ type: 'fatal', message: `the graphics device stopped responding (${message.replace(/[.\s]+$/, '')})` });
    });
  }

  /**
   * Installs the shipped pretrained model, whatever architecture the page
   * remembered: a model the user made is always saved, so with none saved the
   * remembered architecture can only be an earlier shipped model's. It is not
   * written to browser storage: until the user trains or imports something,
   * the next visit loads the shipped file again.
   */
  private async startFromPretrained(id: BuiltinDatasetId, early: Promise<Settled<SavedModel | null>> | null = null): Promise<boolean> {
    if (!this.deps.loadPretrained) return false;
    try {
      const saved = early ? unwrap(await early) : await this.deps.loadPretrained(id);
      if (!saved) return false;
      this.installModel(modelFromSaved(saved), 'pretrained', factsOf(saved));
      return true;
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `The pretrained model could not be loaded (${errorText(error)}); starting from random weights.` });
      return false;
    }
  }

  /** `stored`: the store's model, read already (init reads it while the backend starts). */
  private async restoreSavedModel(storedRead: Promise<Settled<SavedModel | null>> = settled(this.deps.store.load())): Promise<boolean> {
    let model: PixelCNN;
    let saved: SavedModel;
    try {
      const stored = unwrap(await storedRead);
      if (!stored) return false;
      saved = parseSavedModel(stored);
      model = modelFromSaved(saved);
    } catch (error) {
      this.noticeRestoreFailed(error);
      return false;
    }
    const origin = isOrigin(saved.meta.origin) && saved.meta.origin !== 'new' ? saved.meta.origin : 'restored';
    this.installModel(model, origin === 'pretrained' ? 'pretrained' : 'restored', factsOf(saved));
    return true;
  }

  private noticeRestoreFailed(error: unknown): void {
    this.deps.emit({ type: 'notice', message: `The saved model could not be restored (${errorText(error)}); starting a new one.` });
  }

  // ── The model ─────────────────────────────────────────────────────────

  private requireModel(): PixelCNN {
    if (!this.model) throw new Error('The engine is still starting; try again in a moment.');
    return this.model;
  }

  /** `facts.classNames`: the model's own (from its file); a new model takes the dataset's when they fit. */
  private installModel(model: PixelCNN, origin: ModelOrigin, facts: RecordedFacts): void {
    const { steps, card, classNames, guidance } = facts;
    this.trainer?.dispose();
    this.model?.dispose();
    this.model = model;
    this.masks = maskPicture(model);
    this.origin = origin;
    this.card = card;
    this.guidance = guidance;
    this.classNames = classNames ?? this.fittingClassNames(model.config.classes) ?? defaultClassNames(model.config.classes);
    this.trainer = new Trainer(model, this.trainSettings, steps);
    this.watch = new DivergenceWatch(model.config.levels);
    this.checkpointed = false;
    this.lastEvaluation = null;
  }

  /** The training data's class names when there are exactly `classes` of them, else null. */
  private fittingClassNames(classes: number): string[] | null {
    const names = this.data ? datasetClasses(this.data.train)?.classNames : undefined;
    return classes > 0 && names && names.length === classes ? [...names] : null;
  }

  /** What is recorded with the weights: steps, origin, card, a conditional model's class names, and a guidable model's default guidance. */
  private meta(extra: Record<string, unknown>): Record<string, unknown> {
    const { config } = this.requireModel();
    const classNames = config.classes > 0 ? { classNames: this.classNames } : {};
    const guidance = guidanceUnavailable(config) === null ? { guidance: this.guidance } : {};
    return { steps: this.trainer?.steps ?? 0, origin: this.origin, card: this.card, ...classNames, ...guidance, ...extra };
  }

  private async emitModel(): Promise<void> {
    const model = this.requireModel();
    this.deps.emit({
      type: 'model',
      model: {
        config: { ...model.config },
        parameterCount: model.parameterCount(),
        origin: this.origin,
        steps: this.trainer?.steps ?? 0,
        masks: await this.masks!,
        card: this.card,
        classNames: model.config.classes > 0 ? [...this.classNames] : [],
        guidance: this.guidance,
        guidanceUnavailable: guidanceUnavailable(model.config),
      },
    });
  }

  /** A fresh model with `config` (also used by Reset); the dataset follows the new geometry. */
  private async replaceModel(config: PixelCNNConfig, note: string, batchSize = this.trainSettings.batchSize): Promise<void> {
    try {
      validateConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) throw new UserFacingError('model', error.message);
      throw error;
    }
    const tooBig = memoryProblem(config, batchSize, this.memoryBackend());
    if (tooBig) throw new UserFacingError('model', `${tooBig} Nothing was changed.`);
    await this.quiesce();
    const previous = this.model?.config;
    await this.checkpoint(note);
    this.installModel(createPixelCNN(config, Date.now() % 100000), 'new', newModelFacts(config));
    await this.persist();
    await this.emitModel();
    if (!previous || !sameGeometry(previous, config)) await this.useDataset(this.source);
  }

  private async persist(): Promise<void> {
    const model = this.requireModel();
    if (!this.saving) return;
    try {
      const saved = await saveModel(model, this.meta({ savedAt: new Date().toISOString() }));
      await this.deps.store.save(saved);
      this.unsaved = false;
      this.saveRequested = false;
      this.lastSaveTime = performance.now();
    } catch (error) {
      if (this.storageTaken(error)) return;
      this.deps.emit({ type: 'notice', message: `The model could not be saved in this browser: ${errorText(error)}` });
    }
  }

  private async exportModel(): Promise<void> {
    const model = this.requireModel();
    const steps = this.trainer?.steps ?? 0;
    const saved = await saveModel(model, this.meta({ exportedAt: new Date().toISOString() }));
    const { width, height, colorChannels } = model.config;
    const fileName = `pixelcnn-${width}x${height}${colorChannels === 3 ? '-rgb' : ''}-${steps}steps.json`;
    this.deps.emit({ type: 'exported', text: JSON.stringify(saved), fileName });
  }

  /** `switchArchitecture`: a file of another architecture replaces the model (the user agreed); otherwise the page is asked first. */
  private async importModel(text: string, fileName: string, switchArchitecture = false): Promise<void> {
    const model = this.requireModel();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserFacingError('import', `“${fileName}” is not a model file: it is not valid JSON. Nothing was changed.`);
    }
    try {
      const saved = parseSavedModel(json);
      if (!sameArchitecture(saved.config, model.config)) return await this.importOtherArchitecture(saved, fileName, switchArchitecture);
      await this.quiesce();
      await this.checkpoint('before importing a file');
      loadWeights(model, saved);
      this.trainer?.dispose();
      this.trainer = new Trainer(model, this.trainSettings, stepsOf(saved.meta));
      this.origin = 'imported';
      this.card = cardOf(saved.meta);
      this.classNames = classNamesOf(saved.meta, model.config.classes);
      this.watch = new DivergenceWatch(model.config.levels);
      this.checkpointed = false;
      this.lastEvaluation = null;
    } catch (error) {
      if (error instanceof ModelFileError) {
        throw new UserFacingError('import', `Could not import “${fileName}”: ${error.message} Nothing was changed.`);
      }
      throw error;
    }
    await this.persist();
    await this.emitModel();
    this.deps.emit({ type: 'notice', message: `Imported “${fileName}”.` });
  }

  /**
   * A model file of another architecture: without the user's word, the page
   * is asked (it says what would be discarded); with it, the file's model
   * replaces the current one, which stays in the history, and the dataset
   * follows its geometry.
   */
  private async importOtherArchitecture(saved: SavedModel, fileName: string, agreed: boolean): Promise<void> {
    const tooBig = memoryProblem(saved.config, this.trainSettings.batchSize, this.memoryBackend());
    if (tooBig) throw new UserFacingError('import', `Could not import “${fileName}”: ${tooBig} Nothing was changed.`);
    // Built first, so a file whose weights do not fit its own config is refused before anything is offered.
    const model = modelFromSaved(saved);
    if (!agreed) {
      model.dispose();
      this.deps.emit({ type: 'importNeedsSwitch', fileName, config: saved.config, steps: stepsOf(saved.meta) });
      return;
    }
    const previous = this.requireModel().config;
    await this.quiesce();
    await this.checkpoint('before importing a file');
    this.installModel(model, 'imported', factsOf(saved));
    this.watch = new DivergenceWatch(saved.config.levels);
    this.checkpointed = false;
    this.lastEvaluation = null;
    await this.persist();
    await this.emitModel();
    if (!sameGeometry(previous, saved.config)) await this.useDataset(this.source);
    this.deps.emit({ type: 'notice', message: `Imported “${fileName}”: the model is now a ${describeConfig(saved.config)}.` });
  }

  // ── Data ──────────────────────────────────────────────────────────────

  private target(): ImageTarget {
    const { width, height, colorChannels, levels } = this.requireModel().config;
    return { width, height, channels: colorChannels, levels };
  }

  /** `announce`: tell the page now (see setData). */
  private async useDataset(source: DatasetSource, announce = true): Promise<void> {
    if (source.kind === 'builtin') {
      const { id } = source;
      const dataset = retargetDataset(await this.builtinImages(id), this.target());
      const unlabelled = id === 'digits' ? DIGITS_UNLABELLED : BUILTIN_UNLABELLED;
      const reason = datasetClasses(dataset) ? null : `${unlabelled[0].toUpperCase()}${unlabelled.slice(1)}.`;
      await this.setData(source, BUILTIN_DATASETS[id].label, dataset, dataset.count, [], reason, announce);
      return;
    }
    await this.importFiles(source.files, { announce });
  }

  /** The built-in dataset chosen last time, when the browser kept the choice. */
  private async rememberedBuiltin(): Promise<BuiltinDatasetId | null> {
    try {
      return (await this.deps.datasets?.loadBuiltin?.()) ?? null;
    } catch {
      return null;
    }
  }

  /** The built-in dataset whose shipped model "go back to the shipped model" means: the one in use, else the one the model's size fits. */
  private shippedModelId(): BuiltinDatasetId {
    if (this.source.kind === 'builtin') return this.source.id;
    const config = this.model?.config;
    const fits = BUILTIN_DATASET_IDS.find((id) => {
      const set = BUILTIN_DATASETS[id];
      return config && set.width === config.width && set.height === config.height && set.channels === config.colorChannels;
    });
    return fits ?? 'digits';
  }

  /**
   * Switches to a built-in dataset. With `withModel`, the model shipped for it
   * replaces the current one, which joins the history first unless it is a
   * shipped model nobody trained (nothing is lost); without, the images are
   * fitted to the current model. The images and the model are fetched
   * together, and drawing starts before anything is written to storage.
   */
  private async useBuiltin(id: BuiltinDatasetId, withModel: boolean, sample: SampleSettings | undefined): Promise<void> {
    const title = BUILTIN_DATASETS[id].title.toLowerCase();
    const shipped = withModel && this.deps.loadPretrained ? this.deps.loadPretrained(id) : Promise.resolve(null);
    const [saved] = await Promise.all([shipped, this.builtinImages(id)]);
    if (withModel && !saved) {
      this.deps.emit({ type: 'notice', message: `No pretrained model is shipped for the ${title}; they are fitted to your current model instead.` });
    }
    if (saved) {
      const parsed = parseSavedModel(saved);
      await this.quiesce();
      if (!this.untouchedShippedModel()) await this.checkpoint(`before switching to the ${title}`);
      this.installSaved(parsed, 'pretrained');
    }
    await this.useDataset({ kind: 'builtin', id });
    if (saved) {
      await this.emitModel();
      if (sample) await this.startSampling(sample);
      this.checkpointed = false;
      await this.persist();
      await this.emitCheckpoints();
    }
    await this.keepDataset(null, id);
  }

  /** A built-in dataset at its stored geometry, fetched once. */
  private async builtinImages(id: BuiltinDatasetId): Promise<ImageDataset> {
    let stored = this.builtins.get(id);
    if (!stored) {
      if (id !== 'digits' && !this.deps.loadBuiltin) throw new UserFacingError('dataset', `This copy of the app has no built-in ${BUILTIN_DATASETS[id].title.toLowerCase()}.`);
      stored = id === 'digits' ? await this.deps.loadBuiltinDigits() : await this.deps.loadBuiltin!(id);
      this.builtins.set(id, stored);
    }
    return stored;
  }

  /** True for a shipped model as it was shipped: the History can always go back to it, so it needs no checkpoint. */
  private untouchedShippedModel(): boolean {
    return this.origin === 'pretrained' && isModelCard(this.card) && stepsBeyondCard(this.trainer?.steps ?? 0, this.card) === 0;
  }

  /** The images the user dropped last time, if the browser kept them; the built-in dataset chosen last otherwise. `announce`: as in setData. */
  private async restoreDataset(announce = true): Promise<void> {
    let files: InputFile[] | null = null;
    try {
      files = (await this.deps.datasets?.load()) ?? null;
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `Your images from last time could not be read back (${errorText(error)}); using the built-in digits.` });
    }
    if (files) {
      try {
        return await this.importFiles(files, { quiet: true, announce });
      } catch (error) {
        this.deps.emit({ type: 'notice', message: `Your images from last time could not be used (${errorText(error)}); using the built-in digits.` });
      }
    }
    await this.useDataset({ kind: 'builtin', id: (await this.rememberedBuiltin()) ?? 'digits' }, announce);
  }

  /** Remembers the dataset for the next visit; `null` for a built-in one, `builtin` (the digits by default). */
  private async keepDataset(files: InputFile[] | null, builtin: BuiltinDatasetId = 'digits'): Promise<void> {
    if (!this.saving) return;
    try {
      await this.deps.datasets?.save(files);
      if (!files) await this.deps.datasets?.saveBuiltin?.(builtin);
    } catch (error) {
      if (this.storageTaken(error)) return;
      this.deps.emit({
        type: 'notice',
        message: `Your images could not be kept in this browser (${errorText(error)}); they are in use now, but a reload will start from the built-in digits.`,
      });
    }
  }

  /** `quiet`: no notice about skipped files (a restored dataset was reported when it was dropped). */
  /** `quiet`: no notice about skipped files (a restored dataset was reported when it was dropped). `notRead`: files the page left out. */
  private async importFiles(files: InputFile[], { quiet = false, notRead = [] as SkippedFile[], announce = true } = {}): Promise<void> {
    const report = await importImages(files, this.target(), {
      decode: this.deps.decode,
      onProgress: (p) => this.deps.emit({ type: 'datasetProgress', done: p.done, total: p.total }),
    });
    if (notRead.length > 0) report.skipped = [...report.skipped, ...notRead];
    if (!report.dataset) {
      // Keep what we had, with its own counts; list why nothing from this drop could be used.
      if (this.data) this.emitDataset(this.data, report.skipped);
      throw new UserFacingError('dataset', report.message);
    }
    const name = `${report.accepted.toLocaleString('en-US')} imported image${report.accepted === 1 ? '' : 's'}`;
    await this.setData({ kind: 'files', files }, name, report.dataset, report.accepted, report.skipped, report.unlabelledReason ?? null, announce);
    if (report.skipped.length > 0 && !quiet) this.deps.emit({ type: 'notice', message: report.message });
  }

  private async setData(
    source: DatasetSource,
    name: string,
    dataset: ImageDataset,
    accepted: number,
    skipped: SkippedFile[],
    unlabelledReason: string | null,
    announce = true,
  ): Promise<void> {
    const { train, test } = splitDataset(dataset);
    this.source = source;
    this.data = { name, train, test, accepted, skipped, unlabelledReason };
    // Other data, other losses: a rise is no sign of divergence.
    this.watch?.reset();
    this.lastEvaluation = null;
    // A conditional model that has not trained yet is named after the classes it will learn.
    const renamed = this.model !== null && (this.trainer?.steps ?? 0) === 0 && this.adoptClassNames();
    // Not announced (the start-up's first grid comes first): the caller calls announceData later.
    if (announce) await this.announceData(renamed);
  }

  /** Sends the page the data in use, and the model again when its class names just changed (`renamed`). */
  private async announceData(renamed: boolean): Promise<void> {
    if (this.data) this.emitDataset(this.data);
    if (renamed) await this.emitModel();
  }

  /** Takes the training data's class names when they fit the model and differ; true when they did. */
  private adoptClassNames(): boolean {
    const names = this.fittingClassNames(this.requireModel().config.classes);
    if (!names || names.join('\u0000') === this.classNames.join('\u0000')) return false;
    this.classNames = names;
    return true;
  }

  /** The data, checked to fit a conditional model; a trained model that takes new class names says so. */
  private requireFittingData(): LoadedData {
    const data = this.requireData();
    const model = this.requireModel();
    const problem = classMismatch(model.config.classes, data.train, data.unlabelledReason);
    if (problem) throw new UserFacingError('training', problem);
    const before = this.classNames;
    if (this.adoptClassNames() && (this.trainer?.steps ?? 0) > 0) {
      this.deps.emit({
        type: 'notice',
        message: `The model's classes were called ${listNames(before)}; trained on this dataset, they are now ${listNames(this.classNames)}.`,
      });
    }
    return data;
  }

  private emitDataset(data: LoadedData, failedDrop?: SkippedFile[]): void {
    const { train, test } = data;
    const previewCount = Math.min(PREVIEW_IMAGES, train.count);
    const perImage = train.width * train.height * train.channels;
    const preview = train.pixels.slice(0, previewCount * perImage);
    const summary: DatasetSummary = {
      name: data.name,
      width: train.width,
      height: train.height,
      channels: train.channels,
      levels: train.levels,
      trainCount: train.count,
      testCount: test.count,
      accepted: data.accepted,
      skipped: data.skipped,
      preview,
      previewCount,
      classes: classSummary(train, test),
      unlabelledReason: data.unlabelledReason,
      builtin: this.source.kind === 'builtin' ? this.source.id : null,
      ...(failedDrop ? { failedDrop } : {}),
    };
    this.deps.emit({ type: 'dataset', dataset: summary }, [preview.buffer]);
  }

  private requireData(): LoadedData {
    if (!this.data || this.data.train.count === 0) throw new UserFacingError('training', 'There is no training data yet: drop some images or use the MNIST digits.');
    return this.data;
  }

  // ── Training ──────────────────────────────────────────────────────────

  private async startTraining(): Promise<void> {
    this.requireModel();
    this.requireFittingData();
    this.trainer?.setLearningRate(this.trainSettings.learningRate);
    if (this.training) return;
    await this.lateTrial?.beforeTraining(() => this.stopSampling());
    // The weights training starts from join the history (scored, when there is held-out data), so a run can be undone.
    if (!this.checkpointed) {
      if (this.lastEvaluation?.step !== this.trainer?.steps) await this.evaluate();
      await this.checkpoint('before training');
    }
    // The score training starts from is the guard's first reference (divergence.ts).
    if (this.lastEvaluation && this.lastEvaluation.step === this.trainer?.steps) this.watch?.addHeldOut(this.lastEvaluation.bits);
    this.training = true;
    this.deps.emit({ type: 'training', running: true });
    this.trainLoop = this.runTraining();
  }

  private async runTraining(): Promise<void> {
    let reason: string | undefined;
    let diverged = false;
    let lastTime = performance.now();
    let stepsPerSecond = 0;
    try {
      while (this.training) {
        const bits = await this.trainOneBatch();
        const now = performance.now();
        const rate = 1000 / Math.max(1e-3, now - lastTime);
        stepsPerSecond = stepsPerSecond === 0 ? rate : 0.8 * stepsPerSecond + 0.2 * rate;
        lastTime = now;
        const step = this.trainer!.steps;
        this.deps.emit({ type: 'trainStep', step, bitsPerDim: bits, stepsPerSecond });
        const exploded = this.watch?.addTraining(bits);
        if (exploded) throw new DivergenceError(exploded.message, exploded.message);
        if (step % EVALUATE_EVERY === 0) {
          const heldOut = await this.evaluate();
          const explodedHeldOut = heldOut === null ? null : this.watch?.addHeldOut(heldOut);
          if (explodedHeldOut) throw new DivergenceError(explodedHeldOut.message, explodedHeldOut.message);
          if (heldOut !== null && now - this.lastCheckpointTime >= CHECKPOINT_INTERVAL_MS) await this.checkpoint('while training');
        }
        if (step % SAVE_EVERY === 0 || this.saveRequested || now - this.lastSaveTime >= SAVE_INTERVAL_MS) await this.persist();
        await yieldToMessages();
      }
    } catch (error) {
      // A dead engine saves nothing more: the page restarts it on the last saved model.
      if (fatalEngineProblem(error)) return this.fail('training', error);
      // Reported once, as the reason training stopped (the 'training' event below).
      diverged = error instanceof DivergenceError;
      reason = error instanceof DivergenceError ? await this.recoverFromDivergence(error.problem) : `Training stopped: ${errorText(error)}`;
    }
    this.training = false;
    await this.evaluate();
    await this.persist();
    await this.checkpoint('training paused');
    await this.emitModel();
    this.deps.emit({ type: 'training', running: false, reason });
    // Said when it is shown as the reason, so the notice does not fade before training is seen to stop.
    if (diverged && reason) this.deps.emit({ type: 'notice', message: reason });
  }

  /**
   * After a diverging step: puts back the best checkpoint of this
   * architecture (saved weights, not the wreck), and returns the sentence
   * saying so (the reason training stopped, and a notice).
   */
  private async recoverFromDivergence(problem: string): Promise<string> {
    const stoppedAt = this.trainer?.steps ?? 0;
    const config = this.requireModel().config;
    let best = null;
    try {
      best = await this.history().best(config);
      const saved = best && (await this.history().read(best.id));
      if (best && saved) {
        this.training = false;
        await this.stopSampling();
        this.installSaved(parseSavedModel(saved));
        this.checkpointed = true;
        await this.persist();
        await this.emitModel();
        await this.emitCheckpoints();
      } else best = null;
    } catch (error) {
      best = null;
      problem += ` (the best checkpoint could not be read back: ${errorText(error)})`;
    }
    const score = best?.heldOutBitsPerDim != null ? `, ${best.heldOutBitsPerDim.toFixed(3)} bits/dim held out` : '';
    const at = stoppedAt.toLocaleString('en-US');
    const message = best
      ? `Training stopped at step ${at}: ${problem}. The model went back to its best checkpoint (step ${best.steps.toLocaleString('en-US')}${score}). Try a smaller learning rate.`
      : `Training stopped at step ${at}: ${problem}. There was no checkpoint to go back to; use History to restore the shipped model, or try a smaller learning rate.`;
    return message;
  }

  private async trainOneBatch(): Promise<number> {
    const data = this.requireFittingData();
    const { width, height, channels } = data.train;
    const batchSize = this.trainSettings.batchSize;
    const { pixels, labels: datasetLabels } = sampleLabelledBatch(data.train, batchSize, this.batchRandom);
    // requireFittingData made sure a conditional model has a label for every image.
    const { config } = this.requireModel();
    const conditional = config.classes > 0 && datasetLabels !== null;
    // A model with a "no class" row learns it from the labels label dropout replaces.
    const noClass = noClassLabel(config);
    const labels = !conditional ? undefined : noClass !== null ? dropLabelsWith(datasetLabels, config.labelDropout, noClass, this.batchRandom) : datasetLabels;
    const shared = this.sharedBatch(Int32Array.from(pixels), batchSize, labels);
    const batch = shared ? null : tf.tensor4d(Int32Array.from(pixels), [batchSize, height, width, channels], 'int32');
    const labelTensor = !shared && labels ? tf.tensor1d(labels, 'int32') : undefined;
    try {
      const bits = await this.trainer!.step(shared ?? batch!, labelTensor);
      this.announceCores();
      this.checkpointed = false;
      this.unsaved = true;
      return bits;
    } finally {
      batch?.dispose();
      labelTensor?.dispose();
    }
  }

  /**
   * Cores that compute each batch now: one off the backends that share
   * batches, else the chosen count (every core by default) less any helper
   * lost since it was chosen.
   */
  private trainingCores(): number {
    const helpers = this.deps.trainingHelpers;
    if (!helpers || !(helpers.backends ?? ['wasm']).includes(tf.getBackend())) {
      // The engine moved to a GPU backend: the helpers would only hold memory.
      if (this.helperPool && this.helperPool.size > 0) void this.helperPool.close();
      return 1;
    }
    this.helperPool ??= new HelperPool(helpers.start, (message) => {
      this.deps.emit({ type: 'notice', message });
      this.announceCores();
    });
    this.helperPool.setCount((this.trainSettings.workers ?? defaultTrainingCores(helpers.cores)) - 1);
    return 1 + this.helperPool.target;
  }

  /** The batch as the helpers take it, or null when the engine trains alone. */
  private sharedBatch(pixels: Int32Array, count: number, labels?: Int32Array): SharedBatch | null {
    return this.trainingCores() > 1 && this.helperPool ? { pool: this.helperPool, pixels, count, labels } : null;
  }

  /** Tells the page how many cores train, when that changed. */
  private announceCores(): void {
    const cores = this.trainingCores();
    if (cores === this.announcedCores) return;
    this.announcedCores = cores;
    this.deps.emit({ type: 'trainingCores', cores });
  }

  /** Scores the held-out images and reports it; returns the bits/dim, or null when there is nothing to score on. */
  private async evaluate(): Promise<number | null> {
    if (!this.data || !this.trainer || this.data.test.count === 0) return null;
    const { test, train, unlabelledReason } = this.data;
    const { classes } = this.requireModel().config;
    // A conditional model is scored with the held-out images' labels, so only on data whose classes fit it.
    if (classMismatch(classes, train, unlabelledReason) !== null) return null;
    const count = Math.min(EVALUATION_IMAGES, test.count);
    const perImage = test.width * test.height * test.channels;
    const labels = classes > 0 ? test.labels?.subarray(0, count) : undefined;
    const bits = await evaluateBitsPerDim(this.requireModel(), test.pixels.subarray(0, count * perImage), count, Math.min(16, this.trainSettings.batchSize), labels);
    this.deps.emit({ type: 'evaluation', step: this.trainer.steps, testBitsPerDim: bits });
    this.lastEvaluation = { step: this.trainer.steps, bits };
    return bits;
  }

  private async pauseTraining(): Promise<void> {
    this.training = false;
    await this.trainLoop;
    this.trainLoop = null;
  }

  private async singleStep(): Promise<void> {
    this.requireModel();
    await this.pauseTraining();
    await this.lateTrial?.beforeTraining(() => this.stopSampling());
    this.trainer?.setLearningRate(this.trainSettings.learningRate);
    let bits: number;
    try {
      bits = await this.trainOneBatch();
    } catch (error) {
      if (error instanceof DivergenceError) throw new UserFacingError('training', error.message);
      throw error;
    }
    // Saved before it is announced, so a reload after the counter moves keeps the step.
    await this.persist();
    this.deps.emit({ type: 'trainStep', step: this.trainer!.steps, bitsPerDim: bits, stepsPerSecond: 0 });
    await this.evaluate();
    await this.emitModel();
  }

  // ── Sampling ──────────────────────────────────────────────────────────

  /**
   * Samples `settings.count` images, or for a conditional model as many as
   * its class choice asks for; `prefix` (a completion) gives each image's
   * first sub-pixels, and `own` the completed image's class.
   */
  private async startSampling(
    settings: SampleSettings,
    prefix?: (count: number) => { pixels: Int32Array; length: number },
    own: number | null = null,
    oneRow = false,
  ): Promise<void> {
    const model = this.requireModel();
    checkSampleSettings(settings);
    const grid = gridClasses(settings, model.config.classes, this.trainingClassCounts(), this.classNames, own);
    const count = grid.count;
    await this.stopSampling();
    await this.stopEarlyGrid();
    const session = new SamplingSession(model, this.deps.sampler ?? sampleIncremental, { ...settings, count }, this.deps.emit, {
      guidance: this.guidanceFor(settings),
      prefix: prefix?.(count),
      labels: grid.labels,
      captions: grid.captions,
      columns: grid.columns ?? (oneRow ? sideBySide(count) : null),
    });
    this.follow(session);
  }

  /** The guidance weight a run with `settings` samples with; a weight the model cannot use is dropped with a notice. */
  private guidanceFor(settings: SampleSettings): number {
    const { guidance, dropped } = runGuidance(this.requireModel().config, this.guidance, settings.guidance);
    if (dropped) this.deps.emit({ type: 'notice', message: dropped });
    return guidance;
  }

  /** Makes `session` the running (and the last) sampling run, its failure reported and its end noted. */
  private follow(session: SampleRun): void {
    this.sampling = session;
    this.lastSampling = session;
    session.finished
      .catch((error) =>
        fatalEngineProblem(error)
          ? this.fail('sampling', error)
          : this.deps.emit({ type: 'error', context: 'sampling', message: `Sampling failed: ${errorText(error)}` }),
      )
      .finally(() => {
        if (this.sampling === session) this.sampling = null;
      });
  }

  /** The held-out images for the inspection views, with their labels when they fit the model. */
  private heldOutForInspection(): { images: ImageDataset; labels: Int32Array | null; problem: string | null } | null {
    if (!this.data) return null;
    const { test, train, unlabelledReason } = this.data;
    const problem = classMismatch(this.requireModel().config.classes, train, unlabelledReason);
    return { images: test, labels: problem === null && test.labels ? test.labels : null, problem };
  }

  /** Images per class in the training data, when its classes fit the model; null otherwise. */
  private trainingClassCounts(): number[] | null {
    if (!this.data) return null;
    const classes = this.requireModel().config.classes;
    if (classMismatch(classes, this.data.train, this.data.unlabelledReason) !== null) return null;
    return classSummary(this.data.train, this.data.test)?.map((c) => c.train) ?? null;
  }

  /**
   * Keeps the top half of held-out image `testIndex` and samples the rest,
   * once per image of the grid. A conditional model drawing 'any' class
   * continues it as its own class, when the data's classes fit the model.
   */
  private async startCompletion(testIndex: number, settings: SampleSettings): Promise<void> {
    const { test, train, unlabelledReason } = this.requireData();
    if (!Number.isInteger(testIndex) || testIndex < 0 || testIndex >= test.count) {
      throw new UserFacingError('sampling', `Pick a held-out image from 0 to ${test.count - 1}; got ${testIndex}.`);
    }
    const perImage = test.width * test.height * test.channels;
    const image = test.pixels.subarray(testIndex * perImage, (testIndex + 1) * perImage);
    const length = Math.floor(test.height / 2) * test.width * test.channels;
    const prefix = (count: number) => {
      const pixels = new Int32Array(count * perImage);
      for (let b = 0; b < count; b++) pixels.set(image, b * perImage);
      return { pixels, length };
    };
    const fits = classMismatch(this.requireModel().config.classes, train, unlabelledReason) === null;
    const own = fits && test.labels ? test.labels[testIndex] : null;
    await this.startSampling(settings, prefix, own);
  }

  /**
   * Keeps the first `keepRows` rows of the user's drawing and samples the
   * rest, once per image of the grid, the images side by side (sideBySide).
   */
  private async startDrawingCompletion(image: Uint8Array, keepRows: number, settings: SampleSettings): Promise<void> {
    const { height, width, colorChannels, levels } = this.requireModel().config;
    const perImage = height * width * colorChannels;
    if (!(image instanceof Uint8Array) || image.length !== perImage) {
      const colour = colorChannels === 3 ? 'RGB' : 'grayscale';
      throw new UserFacingError('sampling', `The drawing must be ${width}×${height} ${colour} (${perImage} values) to match the model; got ${image?.length ?? 0} values.`);
    }
    const outOfRange = image.findIndex((level) => level >= levels);
    if (outOfRange >= 0) {
      throw new UserFacingError('sampling', `The drawing has level ${image[outOfRange]} at value ${outOfRange}; this model has levels 0 to ${levels - 1}.`);
    }
    if (!Number.isInteger(keepRows) || keepRows < 0 || keepRows > height) {
      throw new UserFacingError('sampling', `Rows to keep must be a whole number from 0 to ${height}, got ${keepRows}.`);
    }
    const length = keepRows * width * colorChannels;
    const prefix = (count: number) => {
      const pixels = new Int32Array(count * perImage);
      for (let b = 0; b < count; b++) pixels.set(image, b * perImage);
      return { pixels, length };
    };
    await this.startSampling(settings, prefix, null, true);
  }

  private async stopSampling(): Promise<void> {
    const session = this.sampling;
    if (!session) return;
    session.stop();
    await session.finished.catch(() => undefined);
  }

  /** Stops everything that uses the model, before the model or data changes under it. */
  private async quiesce(): Promise<void> {
    await this.stopSampling();
    await this.pauseTraining();
  }

  // ── History and ownership of browser storage ──────────────────────────

  /** The saved history while this tab owns storage; otherwise this tab's own, in memory. */
  private history(): CheckpointHistory {
    return this.saving ? this.savedHistory : this.localHistory;
  }

  /** Adds the current weights to the history, unless they are there already; a failure is a notice. */
  private async checkpoint(note: string): Promise<void> {
    if (!this.model || this.checkpointed) return;
    const steps = this.trainer?.steps ?? 0;
    try {
      const saved = await saveModel(this.model, this.meta({ savedAt: new Date().toISOString() }));
      const heldOut = this.lastEvaluation?.step === steps ? this.lastEvaluation.bits : null;
      await this.history().add(saved, { steps, heldOutBitsPerDim: heldOut, origin: this.origin, note });
      this.checkpointed = true;
      this.lastCheckpointTime = performance.now();
      await this.emitCheckpoints();
    } catch (error) {
      if (this.storageTaken(error)) return;
      this.deps.emit({ type: 'notice', message: `A checkpoint could not be kept in this browser: ${errorText(error)}` });
    }
  }

  private async emitCheckpoints(): Promise<void> {
    try {
      const list = await this.history().listing(this.model?.config ?? null, this.deps.loadPretrained !== undefined);
      this.deps.emit({ type: 'checkpoints', list });
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `The checkpoint history could not be read: ${errorText(error)}` });
    }
  }

  /** Puts a saved model in place of the current one, with its steps, card and class names. */
  private installSaved(saved: SavedModel, origin?: ModelOrigin): void {
    const recorded = isOrigin(saved.meta.origin) && saved.meta.origin !== 'new' ? saved.meta.origin : 'restored';
    const kept = origin ?? (recorded === 'pretrained' ? 'pretrained' : 'restored');
    this.installModel(modelFromSaved(saved), kept, factsOf(saved));
  }

  /** Goes back to checkpoint `target` of the history, or to the shipped model; the current weights join the history first. */
  private async restoreCheckpoint(target: number | 'pretrained'): Promise<void> {
    let saved: SavedModel | null;
    if (target === 'pretrained') {
      saved = (await this.deps.loadPretrained?.(this.shippedModelId())) ?? null;
      if (!saved) throw new UserFacingError('model', 'This copy of the app has no shipped pretrained model to go back to.');
    } else {
      saved = await this.history().read(target);
      if (!saved) throw new UserFacingError('model', `That checkpoint is no longer kept (newer ones replaced it); pick another from the list.`);
    }
    const parsed = parseSavedModel(saved);
    await this.quiesce();
    const previous = this.model?.config;
    await this.checkpoint('before going back');
    this.installSaved(parsed, target === 'pretrained' ? 'pretrained' : undefined);
    // The shipped model is not in the history; a run from it checkpoints it first, as any other start.
    this.checkpointed = target !== 'pretrained';
    await this.persist();
    await this.emitModel();
    if (!previous || !sameGeometry(previous, parsed.config)) await this.useDataset(this.source);
    await this.emitCheckpoints();
    const steps = (this.trainer?.steps ?? 0).toLocaleString('en-US');
    this.deps.emit({
      type: 'notice',
      message: target === 'pretrained' ? 'Went back to the pretrained model shipped with the app.' : `Went back to the checkpoint at step ${steps}.`,
    });
  }

  /**
   * Gains or gives up browser storage. A tab that takes over writes its
   * model and images at once, so what is saved is what this tab shows.
   */
  private async claimStorage(): Promise<void> {
    try {
      await this.deps.claimStorage?.();
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `This tab could not claim browser storage (${errorText(error)}); it saves as before.` });
    }
  }

  /**
   * True when a write was refused because another tab's engine claimed
   * storage since: this engine then stops writing, and tells its page once
   * (which usually knows already, from its lock).
   */
  private storageTaken(error: unknown): boolean {
    if (!(error instanceof Error) || error.name !== 'StorageTakenError') return false;
    if (this.saving) this.deps.emit({ type: 'storageTaken' });
    this.saving = false;
    return true;
  }

  private async setSaving(saving: boolean): Promise<void> {
    if (saving === this.saving) return;
    this.saving = saving;
    if (saving) await this.claimStorage();
    if (saving && this.model) {
      this.checkpointed = false;
      this.unsaved = true;
      if (this.training) this.saveRequested = true;
      else await this.persist();
      await this.keepDataset(this.source.kind === 'files' ? this.source.files : null, this.source.kind === 'builtin' ? this.source.id : undefined);
    }
    await this.emitCheckpoints();
  }

  /** The backend whose memory budget applies: `pinned` before one is running, else the running one. */
  private memoryBackend(pinned?: BackendName): MemoryBackend {
    const name = pinned ?? tf.getBackend();
    return name in MEMORY_BUDGETS ? (name as MemoryBackend) : 'wasm';
  }

  /** Checked settings whose training step fits in memory with the current model. */
  private fittingTrainSettings(settings: TrainSettings): TrainSettings {
    const checked = checkTrainSettings(settings);
    if (this.model) {
      const tooBig = memoryProblem(this.model.config, checked.batchSize, this.memoryBackend());
      if (tooBig) throw new UserFacingError('training', tooBig);
    }
    return checked;
  }

  private fail(context: ErrorContext, error: unknown): void {
    const fatal = fatalEngineProblem(error);
    if (fatal) {
      this.training = false;
      this.sampling?.stop();
      this.deps.emit({ type: 'fatal', message: fatal });
      return;
    }
    const message = error instanceof UserFacingError ? error.message : errorText(error);
    this.deps.emit({ type: 'error', context: error instanceof UserFacingError ? error.context : context, message });
  }
}


function contextOf(request: EngineRequest): ErrorContext {
  switch (request.type) {
    case 'init':
      return 'backend';
    case 'importImages':
    case 'useBuiltinDataset':
      return 'dataset';
    case 'train':
    case 'pause':
    case 'step':
    case 'updateTrainSettings':
      return 'training';
    case 'sample':
    case 'complete':
    case 'completeDrawing':
    case 'setSampleDelay':
    case 'stopSampling':
    case 'setBeliefImage':
    case 'inspect':
      return 'sampling';
    case 'rankHeldOut':
      return 'dataset';
    case 'exportModel':
      return 'export';
    case 'importModel':
      return 'import';
    case 'setConfig':
    case 'resetModel':
    case 'restoreCheckpoint':
    case 'saveNow':
    case 'setSaving':
    case 'crashForTest':
      return 'model';
  }
}

/** The settings, checked against their declarations (TRAIN_SETTINGS, the same limits the Training panel's fields have). */
function checkTrainSettings(settings: TrainSettings): TrainSettings {
  const problem = settingsProblem(TRAIN_SETTINGS, settings, ['workers']);
  if (problem) throw new UserFacingError('training', problem);
  const { learningRate, batchSize, workers } = settings;
  return workers === undefined ? { learningRate, batchSize } : { learningRate, batchSize, workers };
}

/** Columns for completions shown side by side: one row of up to 4, else two rows (bigger than one long row). */
function sideBySide(count: number): number {
  return count <= 4 ? count : Math.ceil(count / 2);
}

/** Checked against SAMPLE_SETTINGS, the Sampling panel's limits. */
function checkSampleSettings(settings: SampleSettings): void {
  const problem = settingsProblem(SAMPLE_SETTINGS, settings, ['guidance']);
  if (problem) throw new UserFacingError('sampling', problem);
}

/** The same draw from a sampler: image count, temperature, seed and classes (the delay changes no pixel). */
function sameDrawSettings(a: SampleSettings, b: SampleSettings): boolean {
  return a.count === b.count && a.temperature === b.temperature && a.seed === b.seed && JSON.stringify(a.draw) === JSON.stringify(b.draw);
}

function sameList<T>(a: ArrayLike<T> | null, b: ArrayLike<T> | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameGeometry(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return a.width === b.width && a.height === b.height && a.colorChannels === b.colorChannels && a.levels === b.levels;
}

function isOrigin(value: unknown): value is ModelOrigin {
  return value === 'new' || value === 'restored' || value === 'imported' || value === 'pretrained';
}

function stepsOf(meta: Record<string, unknown>): number {
  return typeof meta.steps === 'number' && Number.isInteger(meta.steps) && meta.steps >= 0 ? meta.steps : 0;
}

/** What a model file records beside its weights, read once: its steps, card, class names and default guidance. */
interface RecordedFacts {
  steps: number;
  card: Record<string, unknown>;
  /** The model's own class names; absent for a new model, which takes the dataset's when they fit. */
  classNames?: string[];
  guidance: number;
}

function factsOf(saved: SavedModel): RecordedFacts {
  const { meta, config } = saved;
  return { steps: stepsOf(meta), card: cardOf(meta), classNames: classNamesOf(meta, config.classes), guidance: modelGuidance(config, meta) };
}

/** A new model's facts: no steps or card; it records the app's default guidance when it can be guided. */
function newModelFacts(config: PixelCNNConfig): RecordedFacts {
  return { steps: 0, card: {}, guidance: modelGuidance(config, {}) };
}

function cardOf(meta: Record<string, unknown>): Record<string, unknown> {
  const card = meta.card;
  return typeof card === 'object' && card !== null && !Array.isArray(card) ? (card as Record<string, unknown>) : {};
}

/** A promise's outcome, kept for later: a read started early must not reject unheard while the engine awaits something else. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The value, or the error thrown where the outcome is used. */
function unwrap<T>(outcome: Settled<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
