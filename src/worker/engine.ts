import * as tf from '@tensorflow/tfjs';
import {
  type PixelCNN,
  type PixelCNNConfig,
  type SavedModel,
  ConfigError,
  createPixelCNN,
  modelFromSaved,
  parseSavedModel,
  readSavedModel,
  validateConfig,
  DEFAULT_CONFIG,
} from '../model';
import { type MemoryBackend, MEMORY_BUDGETS, memoryProblem } from '../model/memory';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { UserFacingError, errorText, fatalEngineProblem } from './errors';
import type { BackendInfo, BackendName, EngineEvent, EngineRequest, ErrorContext, RequestOutcome, SampleSettings, StartChoice } from './protocol';
import { DEFAULT_SAMPLE_SETTINGS } from './settings';
import { Inspector } from './inspector';
import { LateTrial } from './lateTrial';
import { Datasets } from './engine/datasets';
import type { EngineDeps } from './engine/deps';
import { ImportCancel } from './engine/importCancel';
import { ModelImport } from './engine/modelImport';
import { ModelSlot, factsOf, newModelFacts, restoredOrigin } from './engine/modelSlot';
import { Persistence } from './engine/persistence';
import { SamplingControl } from './engine/samplingControl';
import { StartAdvisor } from './engine/startAdvisor';
import { requestPanel } from './engine/requestPanel';
import { fitSampleToModel } from './engine/fitSample';
import { metaNotices } from './engine/readNotices';
import { safeStartNotice, setAsideSavedModel } from './engine/safeStart';
import { TrainingControl } from './engine/trainingControl';

export type { EngineDeps } from './engine/deps';

/**
 * The engine: handles requests from the page one at a time, answering
 * each with its outcome (done, or why not in plain words), and streams
 * what runs on (training, sampling) as events. Its parts each own one job, and take only what they need from it
 * (as Inspector does): the model slot (engine/modelSlot.ts), the datasets
 * (engine/datasets.ts), persistence (engine/persistence.ts), training and
 * sampling control (engine/trainingControl.ts, engine/samplingControl.ts).
 * The engine itself keeps the request queue, start-up, failure, and the
 * sequences that cross the parts: replace a model, import one, go back to a
 * checkpoint or after a diverging run, switch a built-in set. It knows
 * nothing about workers — the worker entry point feeds it messages — so it
 * also runs under Node in tests.
 */
export class Engine {
  private readonly slot: ModelSlot;
  private readonly datasets: Datasets;
  private readonly persistence: Persistence;
  private readonly training: TrainingControl;
  private readonly sampling: SamplingControl;
  private readonly modelImport: ModelImport;
  private readonly inspector: Inspector;
  private readonly advisor: StartAdvisor;
  /** The backend in use, with its trial's figures once they are in. */
  private backendInfo: BackendInfo | null = null;
  /** A first visit's backend trial, run after the first grid or before the first training step. */
  private lateTrial: LateTrial | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly imports = new ImportCancel();

  constructor(private readonly deps: EngineDeps) {
    const emit = (event: EngineEvent, transfer?: Transferable[]) => deps.emit(event, transfer);
    const fail = (context: ErrorContext, error: unknown) => this.fail(context, error);
    const announceModel = () => this.emitModel();
    const classes = () => this.slot.require().config.classes;
    this.slot = new ModelSlot({
      trainSettings: () => this.training.settings,
      dataClassNames: () => this.datasets.classNames(),
      installed: (config) => {
        this.training.modelChanged(config.levels);
        this.persistence.checkpointed = false;
      },
    });
    this.persistence = new Persistence({
      emit,
      storage: deps,
      slot: this.slot,
      heldOutScore: (steps) => this.training.scoreAt(steps),
      shipsModels: deps.loadPretrained !== undefined,
      keepData: () => this.datasets.keepCurrent(),
    });
    this.datasets = new Datasets({
      emit,
      files: deps,
      persistence: this.persistence,
      config: () => this.slot.require().config,
      changed: () => this.dataChanged(),
      announceModel,
    });
    this.training = new TrainingControl({
      emit,
      slot: this.slot,
      datasets: this.datasets,
      persistence: this.persistence,
      memoryBackend: () => this.memoryBackend(),
      beforeTraining: async () => this.lateTrial?.beforeTraining(() => this.sampling.stop()),
      stopSampling: () => this.sampling.stop(),
      announceModel,
      fail,
      helpers: deps.trainingHelpers,
      sampler: deps.sampler,
    });
    this.sampling = new SamplingControl({
      emit,
      slot: this.slot,
      classCounts: () => (this.datasets.data ? this.datasets.trainingClassCounts(classes()) : null),
      heldOut: () => {
        this.datasets.require();
        return this.datasets.heldOut(classes())!;
      },
      sampler: deps.sampler,
      earlyGrid: deps.earlyGrid,
      fail,
    });
    this.modelImport = new ModelImport({
      emit,
      slot: this.slot,
      persistence: this.persistence,
      memoryProblem: (config) => memoryProblem(config, this.training.settings.batchSize, this.memoryBackend()),
      quiesce: () => this.quiesce(),
      announceModel,
      refitData: (previous, now) => this.refitData(previous, now),
    });
    this.advisor = new StartAdvisor({
      emit,
      loadPretrained: deps.loadPretrained,
      datasets: this.datasets,
      training: this.training,
      backend: () => this.backendInfo,
      memoryBackend: () => this.memoryBackend(),
    });
    this.inspector = new Inspector({
      emit,
      model: () => this.slot.require(),
      steps: () => this.slot.steps,
      sample: () => this.sampling.last,
      heldOut: () => (this.datasets.data ? this.datasets.heldOut(classes()) : null),
      className: (label) => this.slot.className(label),
    });
  }

  /**
   * Requests are handled one at a time, in order; each resolves to its
   * outcome. Long jobs (training, sampling) run on in the background: their
   * request is done once they have started.
   */
  handle(request: EngineRequest): Promise<RequestOutcome> {
    // A cancel is not queued: it reaches the import it stops while that runs (or waits).
    if (request.type === 'cancelImport') {
      this.imports.cancel();
      return Promise.resolve({ status: 'done' });
    }
    const cancel = request.type === 'importImages' ? this.imports.begin() : null;
    const outcome = this.queue
      .then(() => this.dispatch(request, cancel?.signal))
      .then(
        (): RequestOutcome => ({ status: 'done' }),
        (error: unknown) => this.refusal(requestPanel(request), error),
      );
    this.queue = outcome.then(() => cancel?.finish());
    return outcome;
  }

  private async dispatch(request: Exclude<EngineRequest, { type: 'cancelImport' }>, signal?: AbortSignal): Promise<void> {
    switch (request.type) {
      case 'init':
        return this.init(request);
      case 'setConfig':
        return this.replaceModel(request.config, 'before a new model', request.batchSize);
      case 'resetModel':
        return this.replaceModel(this.slot.require().config, 'before Reset');
      case 'useStart':
        return this.useStart(request.start);
      case 'useBuiltinDataset':
        if (request.id !== undefined && !isBuiltinDatasetId(request.id)) {
          throw new UserFacingError('dataset', `There is no built-in dataset called "${String(request.id)}"; there are ${BUILTIN_DATASET_IDS.join(' and ')}.`);
        }
        return this.switchBuiltin(request.id ?? 'digits', request.withModel ?? false, request.sample);
      case 'importImages':
        await this.datasets.importRequest(request.files, request.mode, request.notRead, signal);
        // A new dataset gets a proposed start; images added to the ones in use keep the model they train.
        if (request.mode !== 'add') await this.advisor.propose();
        return;
      case 'train':
        this.training.use(request.settings);
        return this.training.start();
      case 'pause':
        return this.training.pause();
      case 'step':
        this.training.use(request.settings);
        return this.training.singleStep();
      case 'updateTrainSettings':
        return this.training.update(request.settings);
      case 'sample':
        return this.sampling.start(request.settings);
      case 'complete':
        return this.sampling.complete(request.testIndex, request.settings);
      case 'completeDrawing':
        return this.sampling.completeDrawing(request.image, request.keepRows, request.settings);
      case 'setSampleDelay':
        return this.sampling.setDelay(request.delayMs);
      case 'stopSampling':
        return this.sampling.stop();
      case 'setBeliefImage':
      case 'inspect':
      case 'rankHeldOut':
        return this.inspector.handle(request);
      case 'exportModel':
        return this.persistence.exportModel();
      case 'importModel':
        return this.modelImport.importModel(request.text, request.fileName, request.switchArchitecture ?? false);
      case 'restoreCheckpoint':
        return this.restoreCheckpoint(request.checkpoint);
      case 'deleteCheckpoint':
        return this.persistence.deleteCheckpoint(request.checkpoint, this.training.running);
      case 'saveNow':
        return this.persistence.saveNow(this.training.running);
      case 'setSaving':
        return this.setSaving(request.saving);
      default: {
        const unknown: never = request;
        throw new Error(`Unknown request ${JSON.stringify(unknown)}`);
      }
    }
  }

  // ── Start-up ──────────────────────────────────────────────────────────

  private async init({ config, backend, remembered, sampleOnStart, saving, safeStart }: Extract<EngineRequest, { type: 'init' }>): Promise<void> {
    await this.persistence.start(saving ?? true);
    this.persistence.watchClaim(
      () => !this.training.running,
      (job) => {
        this.queue = this.queue.then(job).catch((error: unknown) => this.fail('model', error));
      },
    );
    // A remembered config too big for this browser (an older version remembered configs before they were built) is not timed or built.
    const tooBig = memoryProblem(config, this.training.settings.batchSize, this.memoryBackend(backend));
    if (tooBig) {
      this.deps.emit({ type: 'notice', message: `The remembered model settings were not used: ${tooBig}` });
      config = DEFAULT_CONFIG;
    }
    // Nothing remembered and no backend pinned: likely a first visit, which draws the shipped model as soon as it can.
    const firstVisit = !backend && !remembered;
    if (firstVisit) this.deps.prefetchFirstVisit?.();
    // What picks the first model is read while the backend starts (neither needs tfjs): the remembered built-in
    // set and a saved model from storage, and on a likely first visit the shipped model's file, fetched and parsed.
    const builtinRead = this.datasets.rememberedBuiltin();
    const storedRead = settled(this.deps.store.load());
    const loadPretrained = this.deps.loadPretrained;
    const shippedRead = firstVisit && loadPretrained ? builtinRead.then((id) => settled(loadPretrained(id ?? 'digits'))) : null;
    const info = await this.deps.selectBackend(backend, { config, remembered });
    this.backendInfo = info;
    this.deps.emit({ type: 'ready', backend: info });
    this.training.announceCores();
    if (info.trialPending && this.deps.lateTrial) {
      let watched = info.name;
      const report = (backend: BackendInfo) => {
        this.backendInfo = backend;
        this.deps.emit({ type: 'backend', backend });
        // A move to another backend (a GPU) is watched for a lost device, as a start on it is.
        if (backend.name !== watched) {
          watched = backend.name;
          this.watchDevice();
        }
      };
      const notice = (message: string) => this.deps.emit({ type: 'notice', message });
      this.lateTrial = new LateTrial({ ...this.deps.lateTrial, report, notice }, () => this.slot.require().config, info);
    }
    this.watchDevice();

    // A model saved in this browser (the user's own work) comes first, then the shipped one.
    const builtin = (await builtinRead) ?? 'digits';
    // The built-in set whose shipped model was installed just now, if one was.
    let shipped: BuiltinDatasetId | null = null;
    // After a failed start, the saved model waits in the history instead (engine/safeStart.ts).
    const setAside = safeStart === undefined ? null : await setAsideSavedModel(await storedRead, this.persistence.history());
    if (setAside || !(await this.restoreSavedModel(storedRead))) {
      if (await this.startFromPretrained(builtin, shippedRead)) {
        shipped = builtin;
        // The set-aside model is in the history: the shipped one is saved in its place, so the next visit starts from it too.
        if (setAside?.kept) await this.persistence.persist();
      } else {
        this.slot.install(createPixelCNN(config, Date.now() % 100000), 'new', newModelFacts(config));
        if (!setAside || setAside.replaceable) await this.persistence.persist();
      }
    }
    // With nothing saved, a safe start is an ordinary one (a first visit closed early, say): nothing to say.
    if (safeStart !== undefined && setAside?.sentence) {
      this.deps.emit({ type: 'notice', message: safeStartNotice(safeStart, setAside, shipped !== null), lasting: true });
    }
    await this.emitModel();
    // The shipped model's first grid starts before the dataset is announced: the page takes a while to show
    // a dataset, and the first pixels should not queue behind it. The images are loaded first all the same,
    // so a conditional model draws its classes as often as the training data has them, as on any later run.
    const firstGrid = sampleOnStart && this.slot.origin === 'pretrained' ? sampleOnStart : null;
    const classNames = this.slot.classNames;
    await this.datasets.restore(!firstGrid);
    // A first visit's grid may be drawing already, from the shipped model's file (EngineDeps.earlyGrid).
    const adopted = firstGrid !== null && this.sampling.adoptEarlyGrid(firstGrid, shipped);
    if (!adopted) await this.sampling.stopEarlyGrid();
    if (firstGrid) {
      if (!adopted) await this.startFirstGrid(firstGrid);
      await this.sampling.running?.firstPixels;
      await this.datasets.announce(this.slot.classNames !== classNames);
    }
    // The history waits for the first pixels.
    await this.persistence.emitCheckpoints();
    // The first pixels come first: the backend trial waits for the first grid (lateTrial.ts).
    this.lateTrial?.startAfter(this.sampling.running?.finished);
  }

  /**
   * The first grid with the settings the page sent (a link's, perhaps): a
   * class choice the model cannot draw is fitted to it, named in a notice;
   * when the engine refuses them still, the defaults with the same seed, and
   * a notice naming what was refused: a user's setting must not leave the
   * engine unready.
   */
  private async startFirstGrid(settings: SampleSettings): Promise<void> {
    try {
      await this.sampling.start(this.fitted(settings));
    } catch (error) {
      if (!(error instanceof UserFacingError)) throw error;
      this.deps.emit({ type: 'notice', message: `${error.message.replace(/\.$/, '')}: the first grid is drawn with the default settings instead.` });
      await this.sampling.start({ ...DEFAULT_SAMPLE_SETTINGS, seed: settings.seed });
    }
  }

  /** Settings the page chose before it knew the model, fitted to it, saying what was refused (fitSample.ts). */
  private fitted(settings: SampleSettings): SampleSettings {
    return fitSampleToModel(settings, this.slot.require().config.classes, (message) => this.deps.emit({ type: 'notice', message }));
  }

  /** Stops training and sampling if the GPU device behind the current backend is lost: the engine is dead, and the page starts a new one. */
  private watchDevice(): void {
    this.deps.deviceLost?.()?.then((message) => {
      this.training.halt();
      this.sampling.halt();
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
      this.slot.installSaved(saved, 'pretrained');
      return true;
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `The pretrained model could not be loaded (${errorText(error)}); starting from random weights.` });
      return false;
    }
  }

  /** `stored`: the store's model, read already (init reads it while the backend starts). */
  private async restoreSavedModel(storedRead: Promise<Settled<SavedModel | null>>): Promise<boolean> {
    let read: ReturnType<typeof readSavedModel>;
    let model: PixelCNN;
    try {
      const stored = unwrap(await storedRead);
      if (!stored) return false;
      read = readSavedModel(stored);
      model = modelFromSaved(read.saved);
    } catch (error) {
      this.deps.emit({ type: 'notice', message: `The saved model could not be restored (${errorText(error)}); starting a new one.` });
      return false;
    }
    this.slot.install(model, restoredOrigin(read.saved.meta), factsOf(read.saved));
    for (const message of metaNotices('The saved model', read)) this.deps.emit({ type: 'notice', message });
    return true;
  }

  // ── Sequences that cross the parts ────────────────────────────────────

  private async emitModel(): Promise<void> {
    this.deps.emit({ type: 'model', model: await this.slot.summary() });
  }

  /** Other data is in use (Datasets): a model that has not trained yet is named after the classes it will learn; true when it was. */
  private dataChanged(): boolean {
    this.training.dataChanged();
    return this.slot.model !== null && this.slot.steps === 0 && this.slot.adoptDataClassNames();
  }

  /** Stops everything that uses the model, before the model or data changes under it. */
  private async quiesce(): Promise<void> {
    await this.sampling.stop();
    await this.training.pause();
  }

  /** After a model of other geometry came in: the data in use is fitted to it again. */
  private async refitData(previous: PixelCNNConfig | undefined, now: PixelCNNConfig): Promise<void> {
    if (!previous || !sameGeometry(previous, now)) await this.datasets.use(this.datasets.source);
  }

  /** A fresh model with `config` (also used by Reset); the dataset follows the new geometry. */
  private async replaceModel(config: PixelCNNConfig, note: string, batchSize = this.training.settings.batchSize): Promise<void> {
    try {
      validateConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) throw new UserFacingError('model', error.message);
      throw error;
    }
    const tooBig = memoryProblem(config, batchSize, this.memoryBackend());
    if (tooBig) throw new UserFacingError('model', `${tooBig} Nothing was changed.`);
    await this.quiesce();
    const previous = this.slot.model?.config;
    await this.persistence.checkpoint(note);
    this.slot.install(createPixelCNN(config, Date.now() % 100000), 'new', newModelFacts(config));
    await this.persistence.persist();
    await this.emitModel();
    await this.refitData(previous, config);
  }

  /** A start for the data (a proposal's): a new model, or the shipped model carried to the data's classes. */
  private async useStart(start: StartChoice): Promise<void> {
    if (start.from === null) {
      await this.replaceModel(start.config, 'before a new model');
    } else {
      const { saved, said } = await this.advisor.shippedStart({ ...start, from: start.from });
      await this.quiesce();
      const previous = this.slot.model?.config;
      await this.persistence.checkpoint('before a new model');
      this.slot.installSaved(saved, 'pretrained');
      await this.persistence.persist();
      await this.emitModel();
      await this.refitData(previous, saved.config);
      await this.persistence.emitCheckpoints();
      this.deps.emit({ type: 'notice', message: said });
    }
    this.advisor.withdraw();
  }

  /** Goes back to checkpoint `target` of the history, or to the shipped model; the current weights join the history first. */
  private async restoreCheckpoint(target: number | 'pretrained'): Promise<void> {
    let saved: SavedModel | null;
    if (target === 'pretrained') {
      saved = (await this.deps.loadPretrained?.(this.datasets.shippedModelId(this.slot.model?.config))) ?? null;
      if (!saved) throw new UserFacingError('model', 'This copy of the app has no shipped pretrained model to go back to.');
    } else {
      saved = await this.persistence.history().read(target);
      if (!saved) throw new UserFacingError('model', `That checkpoint is no longer kept (newer ones replaced it); pick another from the list.`);
    }
    const read = readSavedModel(saved);
    const parsed = read.saved;
    await this.quiesce();
    const previous = this.slot.model?.config;
    await this.persistence.checkpoint('before going back');
    this.slot.installSaved(parsed, target === 'pretrained' ? 'pretrained' : undefined);
    // The shipped model is not in the history; a run from it checkpoints it first, as any other start.
    this.persistence.checkpointed = target !== 'pretrained';
    await this.persistence.persist();
    await this.emitModel();
    await this.refitData(previous, parsed.config);
    await this.persistence.emitCheckpoints();
    const steps = this.slot.steps.toLocaleString('en-US');
    this.deps.emit({
      type: 'notice',
      message: target === 'pretrained' ? 'Went back to the pretrained model shipped with the app.' : `Went back to the checkpoint at step ${steps}.`,
    });
    for (const message of metaNotices(target === 'pretrained' ? "The shipped model's file" : 'The checkpoint', read))
      this.deps.emit({ type: 'notice', message });
  }

  /**
   * Switches to a built-in dataset. With `withModel`, the model shipped for it
   * replaces the current one, which joins the history first unless it is a
   * shipped model nobody trained (nothing is lost); without, the images are
   * fitted to the current model. The images and the model are fetched
   * together, and drawing starts before anything is written to storage.
   */
  private async switchBuiltin(id: BuiltinDatasetId, withModel: boolean, sample: SampleSettings | undefined): Promise<void> {
    const title = BUILTIN_DATASETS[id].title.toLowerCase();
    const shipped = withModel && this.deps.loadPretrained ? this.deps.loadPretrained(id) : Promise.resolve(null);
    const [saved] = await Promise.all([shipped, this.datasets.builtinImages(id)]);
    if (withModel && !saved) {
      this.deps.emit({ type: 'notice', message: `No pretrained model is shipped for the ${title}; they are fitted to your current model instead.` });
    }
    if (saved) {
      const parsed = parseSavedModel(saved);
      await this.quiesce();
      if (!this.slot.untouchedShippedModel()) await this.persistence.checkpoint(`before switching to the ${title}`);
      this.slot.installSaved(parsed, 'pretrained');
    }
    await this.datasets.use({ kind: 'builtin', id });
    if (saved) {
      await this.emitModel();
      if (sample) await this.sampling.start(this.fitted(sample));
      this.persistence.checkpointed = false;
      await this.persistence.persist();
      await this.persistence.emitCheckpoints();
    }
    await this.datasets.keep(null, id);
  }

  /**
   * Gains or gives up browser storage. A tab that takes over writes its
   * model and images at once, so what is saved is what this tab shows.
   */
  private async setSaving(saving: boolean): Promise<void> {
    if (!(await this.persistence.setSaving(saving))) return;
    if (saving && this.slot.model) {
      this.persistence.weightsChanged();
      await this.persistence.saveNow(this.training.running);
      await this.datasets.keepCurrent();
    }
    await this.persistence.emitCheckpoints();
  }

  /** The backend whose memory budget applies: `pinned` before one is running, else the running one. */
  private memoryBackend(pinned?: BackendName): MemoryBackend {
    const name = pinned ?? tf.getBackend();
    return name in MEMORY_BUDGETS ? (name as MemoryBackend) : 'wasm';
  }

  /**
   * A failure outside any request (a run in the background): an `error`
   * event for the panel `context`, or, when it ends the engine, `fatal`.
   */
  private fail(context: ErrorContext, error: unknown): void {
    const outcome = this.refusal(context, error);
    if (outcome.status === 'failed' && !fatalEngineProblem(error)) this.deps.emit({ type: 'error', context: outcome.context, message: outcome.message });
  }

  /**
   * A request's failure as its outcome: the panel of a UserFacingError, else
   * `context`, and the message in plain words. A failure that ends the
   * engine (fatalEngineProblem) stops everything and says so (`fatal`), so
   * the page starts a new engine.
   */
  private refusal(context: ErrorContext, error: unknown): RequestOutcome {
    const fatal = fatalEngineProblem(error);
    if (fatal) {
      this.training.halt();
      this.sampling.halt();
      this.deps.emit({ type: 'fatal', message: fatal });
      return { status: 'failed', context: 'worker', message: fatal };
    }
    const message = error instanceof UserFacingError ? error.message : errorText(error);
    return { status: 'failed', context: error instanceof UserFacingError ? error.context : context, message };
  }
}

function sameGeometry(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  return a.width === b.width && a.height === b.height && a.colorChannels === b.colorChannels && a.levels === b.levels;
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
