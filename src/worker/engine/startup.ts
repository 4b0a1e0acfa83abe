import { fitSampleToModel } from './fitSample';
import { type PixelCNN, type SavedModel, createPixelCNN, modelFromSaved, readSavedModel, DEFAULT_CONFIG } from '../../model';
import { type MemoryBackend, memoryProblem } from '../../model/memory';
import type { BuiltinDatasetId } from '../../data/builtin';
import { UserFacingError, errorText } from '../errors';
import { LateTrial } from '../lateTrial';
import type { BackendInfo, BackendName, EngineRequest, SampleSettings } from '../protocol';
import { DEFAULT_SAMPLE_SETTINGS } from '../settings';
import type { Datasets } from './datasets';
import type { EngineDeps } from './deps';
import { type ModelSlot, factsOf, newModelFacts, restoredOrigin } from './modelSlot';
import type { Persistence } from './persistence';
import { metaNotices } from './readNotices';
import { safeStartNotice, setAsideSavedModel } from './safeStart';
import type { SamplingControl } from './samplingControl';
import type { TrainingControl } from './trainingControl';

/**
 * The engine's start (the `init` request): storage, the backend, the first
 * model (saved in this browser, else shipped, else new; a safe start sets
 * the saved one aside), the data, the first grid, the history, and a first
 * visit's backend trial for later. It keeps the backend in use and that
 * late trial, and watches the GPU device for as long as the engine lives.
 */
export interface StartupDeps {
  /** What the engine runs on that a start reads: its events, the model store, the backend, the shipped models, the device. */
  env: Pick<EngineDeps, 'emit' | 'store' | 'selectBackend' | 'lateTrial' | 'prefetchFirstVisit' | 'deviceLost' | 'loadPretrained'>;
  slot: Pick<ModelSlot, 'require' | 'install' | 'installSaved' | 'origin' | 'classNames'>;
  datasets: Pick<Datasets, 'rememberedBuiltin' | 'restore' | 'announce'>;
  persistence: Pick<Persistence, 'start' | 'watchClaim' | 'history' | 'persist' | 'emitCheckpoints'>;
  training: Pick<TrainingControl, 'running' | 'settings' | 'announceCores' | 'halt'>;
  sampling: Pick<SamplingControl, 'start' | 'running' | 'adoptEarlyGrid' | 'stopEarlyGrid' | 'halt'>;
  /** The backend whose memory budget applies: `pinned` before one is running. */
  memoryBackend(pinned?: BackendName): MemoryBackend;
  /** Tells the page which model is in use. */
  announceModel(): Promise<void>;
  /** Runs `job` after the requests queued so far, as the engine's own (a storage claim lost and won back). */
  enqueue(job: () => Promise<void>): void;
}

export class Startup {
  private backendInfo: BackendInfo | null = null;
  private trial: LateTrial | null = null;

  constructor(private readonly deps: StartupDeps) {}

  /** The backend in use, with its trial's figures once they are in. */
  get backend(): BackendInfo | null {
    return this.backendInfo;
  }

  /** A first visit's backend trial, run after the first grid or before the first training step. */
  get lateTrial(): LateTrial | null {
    return this.trial;
  }

  async init({ config, backend, remembered, sampleOnStart, saving, safeStart }: Extract<EngineRequest, { type: 'init' }>): Promise<void> {
    const { env, slot, datasets, persistence, training, sampling } = this.deps;
    await persistence.start(saving ?? true);
    persistence.watchClaim(
      () => !training.running,
      (job) => this.deps.enqueue(job),
    );
    // A remembered config too big for this browser (an older version remembered configs before they were built) is not timed or built.
    const tooBig = memoryProblem(config, training.settings.batchSize, this.deps.memoryBackend(backend));
    if (tooBig) {
      env.emit({ type: 'notice', message: `The remembered model settings were not used: ${tooBig}` });
      config = DEFAULT_CONFIG;
    }
    // Nothing remembered and no backend pinned: likely a first visit, which draws the shipped model as soon as it can.
    const firstVisit = !backend && !remembered;
    if (firstVisit) env.prefetchFirstVisit?.();
    // What picks the first model is read while the backend starts (neither needs tfjs): the remembered built-in
    // set and a saved model from storage, and on a likely first visit the shipped model's file, fetched and parsed.
    const builtinRead = datasets.rememberedBuiltin();
    const storedRead = settled(env.store.load());
    const loadPretrained = env.loadPretrained;
    const shippedRead = firstVisit && loadPretrained ? builtinRead.then((id) => settled(loadPretrained(id ?? 'digits'))) : null;
    const info = await env.selectBackend(backend, { config, remembered });
    this.backendInfo = info;
    env.emit({ type: 'ready', backend: info });
    training.announceCores();
    if (info.trialPending && env.lateTrial) {
      let watched = info.name;
      const report = (backend: BackendInfo) => {
        this.backendInfo = backend;
        env.emit({ type: 'backend', backend });
        // A move to another backend (a GPU) is watched for a lost device, as a start on it is.
        if (backend.name !== watched) {
          watched = backend.name;
          this.watchDevice();
        }
      };
      const notice = (message: string) => env.emit({ type: 'notice', message });
      this.trial = new LateTrial({ ...env.lateTrial, report, notice }, () => slot.require().config, info);
    }
    this.watchDevice();

    // A model saved in this browser (the user's own work) comes first, then the shipped one.
    const builtin = (await builtinRead) ?? 'digits';
    // The built-in set whose shipped model was installed just now, if one was.
    let shipped: BuiltinDatasetId | null = null;
    // After a failed start, the saved model waits in the history instead (safeStart.ts).
    const setAside = safeStart === undefined ? null : await setAsideSavedModel(await storedRead, persistence.history());
    if (setAside || !(await this.restoreSavedModel(storedRead))) {
      if (await this.startFromPretrained(builtin, shippedRead)) {
        shipped = builtin;
        // The set-aside model is in the history: the shipped one is saved in its place, so the next visit starts from it too.
        if (setAside?.kept) await persistence.persist();
      } else {
        slot.install(createPixelCNN(config, Date.now() % 100000), 'new', newModelFacts(config));
        if (!setAside || setAside.replaceable) await persistence.persist();
      }
    }
    // With nothing saved, a safe start is an ordinary one (a first visit closed early, say): nothing to say.
    if (safeStart !== undefined && setAside?.sentence) {
      env.emit({ type: 'notice', message: safeStartNotice(safeStart, setAside, shipped !== null), lasting: true });
    }
    await this.deps.announceModel();
    // The shipped model's first grid starts before the dataset is announced: the page takes a while to show
    // a dataset, and the first pixels should not queue behind it. The images are loaded first all the same,
    // so a conditional model draws its classes as often as the training data has them, as on any later run.
    const firstGrid = sampleOnStart && slot.origin === 'pretrained' ? sampleOnStart : null;
    const classNames = slot.classNames;
    await datasets.restore(builtin, !firstGrid);
    // A first visit's grid may be drawing already, from the shipped model's file (EngineDeps.earlyGrid).
    const adopted = firstGrid !== null && sampling.adoptEarlyGrid(firstGrid, shipped);
    if (!adopted) await sampling.stopEarlyGrid();
    if (firstGrid) {
      if (!adopted) await this.startFirstGrid(firstGrid);
      await sampling.running?.firstPixels;
      await datasets.announce(slot.classNames !== classNames);
    }
    // The history waits for the first pixels.
    await persistence.emitCheckpoints();
    // The first pixels come first: the backend trial waits for the first grid (lateTrial.ts).
    this.lateTrial?.startAfter(sampling.running?.finished);
  }

  /**
   * The first grid with the settings the page sent (a link's, perhaps): a
   * class choice the model cannot draw is fitted to it, named in a notice
   * (fitSample.ts); when the engine refuses them still, the defaults with the
   * same seed, and a notice naming what was refused: a user's setting must
   * not leave the engine unready.
   */
  private async startFirstGrid(settings: SampleSettings): Promise<void> {
    const say = (message: string) => this.deps.env.emit({ type: 'notice', message });
    try {
      await this.deps.sampling.start(fitSampleToModel(settings, this.deps.slot.require().config.classes, say));
    } catch (error) {
      if (!(error instanceof UserFacingError)) throw error;
      this.deps.env.emit({ type: 'notice', message: `${error.message.replace(/\.$/, '')}: the first grid is drawn with the default settings instead.` });
      await this.deps.sampling.start({ ...DEFAULT_SAMPLE_SETTINGS, seed: settings.seed });
    }
  }

  /** Stops training and sampling if the GPU device behind the current backend is lost: the engine is dead, and the page starts a new one. */
  private watchDevice(): void {
    this.deps.env.deviceLost?.()?.then((message) => {
      this.deps.training.halt();
      this.deps.sampling.halt();
      this.deps.env.emit({ type: 'fatal', message: `the graphics device stopped responding (${message.replace(/[.\s]+$/, '')})` });
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
    if (!this.deps.env.loadPretrained) return false;
    try {
      const saved = early ? unwrap(await early) : await this.deps.env.loadPretrained(id);
      if (!saved) return false;
      this.deps.slot.installSaved(saved, 'pretrained');
      return true;
    } catch (error) {
      this.deps.env.emit({ type: 'notice', message: `The pretrained model could not be loaded (${errorText(error)}); starting from random weights.` });
      return false;
    }
  }

  /** `storedRead`: the store's model, read already (init reads it while the backend starts). */
  private async restoreSavedModel(storedRead: Promise<Settled<SavedModel | null>>): Promise<boolean> {
    let read: ReturnType<typeof readSavedModel>;
    let model: PixelCNN;
    try {
      const stored = unwrap(await storedRead);
      if (!stored) return false;
      read = readSavedModel(stored);
      model = modelFromSaved(read.saved);
    } catch (error) {
      this.deps.env.emit({ type: 'notice', message: `The saved model could not be restored (${errorText(error)}); starting a new one.` });
      return false;
    }
    this.deps.slot.install(model, restoredOrigin(read.saved.meta), factsOf(read.saved));
    for (const message of metaNotices('The saved model', read)) this.deps.env.emit({ type: 'notice', message });
    return true;
  }
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
