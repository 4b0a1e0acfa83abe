import * as tf from '@tensorflow/tfjs';
import { type PixelCNNConfig, type SavedModel, ConfigError, createPixelCNN, parseSavedModel, readSavedModel, validateConfig } from '../model';
import { type MemoryBackend, MEMORY_BUDGETS, memoryProblem } from '../model/memory';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, type BuiltinDatasetId, isBuiltinDatasetId } from '../data/builtin';
import { UserFacingError, errorText, fatalEngineProblem } from './errors';
import type { BackendName, EngineEvent, EngineRequest, ErrorContext, RequestOutcome, SampleSettings, StartChoice } from './protocol';
import { Inspector } from './inspector';
import { Datasets } from './engine/datasets';
import type { EngineDeps } from './engine/deps';
import { ImportCancel } from './engine/importCancel';
import { ModelImport } from './engine/modelImport';
import { ModelSlot, newModelFacts } from './engine/modelSlot';
import { Persistence } from './engine/persistence';
import { SamplingControl } from './engine/samplingControl';
import { StartAdvisor } from './engine/startAdvisor';
import { requestPanel } from './engine/requestPanel';
import { fitSampleToModel } from './engine/fitSample';
import { metaNotices } from './engine/readNotices';
import { Startup } from './engine/startup';
import { TrainingControl } from './engine/trainingControl';

export type { EngineDeps } from './engine/deps';

/**
 * The engine: handles requests from the page one at a time, answering each
 * with its outcome (done, or why not in plain words), and streams what runs
 * on (training, sampling) as events. Its parts each own one job, and take
 * only what they need from it (as Inspector does): the model slot
 * (engine/modelSlot.ts), the datasets (engine/datasets.ts), persistence
 * (engine/persistence.ts), training and sampling control
 * (engine/trainingControl.ts, engine/samplingControl.ts), the start-up
 * (engine/startup.ts). The engine itself keeps the request queue, failure,
 * and the sequences that cross the parts: replace a model, import one, go
 * back to a checkpoint or after a diverging run, switch a built-in set. It
 * knows nothing about workers — the worker entry point feeds it messages —
 * so it also runs under Node in tests.
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
  private readonly startup: Startup;
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
      beforeTraining: async () => this.startup.lateTrial?.beforeTraining(() => this.sampling.stop()),
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
      backend: () => this.startup.backend,
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
    this.startup = new Startup({
      env: deps,
      slot: this.slot,
      datasets: this.datasets,
      persistence: this.persistence,
      training: this.training,
      sampling: this.sampling,
      memoryBackend: (pinned) => this.memoryBackend(pinned),
      announceModel,
      enqueue: (job) => {
        this.queue = this.queue.then(job).catch((error: unknown) => this.fail('model', error));
      },
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
        return this.startup.init(request);
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

  /** Settings the page chose before it knew the model, fitted to it, saying what was refused (fitSample.ts). */
  private fitted(settings: SampleSettings): SampleSettings {
    return fitSampleToModel(settings, this.slot.require().config.classes, (message) => this.deps.emit({ type: 'notice', message }));
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
