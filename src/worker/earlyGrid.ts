/**
 * A first visit's first grid, drawn before tfjs has loaded.
 *
 * As soon as it runs, the worker entry (engine.worker.ts) makes the checks
 * the engine makes before it starts from the shipped model (no model saved
 * in this browser, none of the user's images kept, which built-in set is
 * remembered) and reads that model's file and the set's labels
 * (prepareEarlyGrid). On an init that looks like a first visit (nothing
 * remembered, no backend pinned, a first grid asked for) it then starts a
 * SamplingSession on `fileSampler` (WebAssembly kernels, no tfjs,
 * startPreparedGrid), while the engine's code and tfjs are still to load,
 * with the classes and captions the engine would draw (gridClasses). The
 * engine, once loaded, adopts the session as its own first grid
 * (EngineDeps.earlyGrid) or stops it and draws its own.
 *
 * Nothing here may import tfjs, directly or indirectly: the build checks
 * that the worker entry's chunk holds none (scripts/check-bundle.mjs).
 */
import { BUILTIN_DATASETS, type BuiltinDatasetId } from '../data/builtin';
import { fetchAppFile } from '../data/appFiles';
import { MNIST_CLASS_NAMES, digitLabels } from '../data/mnist';
import { modelGuidance, runGuidance } from '../model/guidance';
import type { SavedModel } from '../model/modelFile';
import type { SampleOptions, SampleResult } from '../model/sampling';
import { defaultClassNames, gridClasses, trainingSplitCounts } from './conditioning';
import { type DatasetStore, type ModelStore, readRememberedBuiltin } from './modelStore';
import type { EngineEvent, EngineRequest } from './protocol';
import { SAMPLE_SETTINGS, settingsProblem } from './settings';
import { type SampleRun, SamplingSession } from './samplingSession';

/** The early first grid as the engine takes it over. */
export interface EarlyGrid {
  /** The built-in set whose shipped model it draws. */
  id: BuiltinDatasetId;
  /** That model's file, parsed. */
  saved: SavedModel;
  session: SampleRun;
  /** True once its sampler has failed: the engine then draws its own first grid instead. */
  failed(): boolean;
}

/** A built-in set's classes, read from its small description file without its images. */
export interface BuiltinLabels {
  /** One class per image, in the set's order. */
  labels: Int32Array;
  /** Class names in label order. */
  classNames: string[];
}

export interface EarlyGridDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  store: ModelStore;
  datasets?: DatasetStore;
  /** The model shipped for a built-in set, parsed (without tfjs), or null when this build has none. */
  loadPretrained(id: BuiltinDatasetId): Promise<SavedModel | null>;
  /** A built-in set's labels (loadBuiltinLabels), or null when it has none. */
  loadLabels(id: BuiltinDatasetId): Promise<BuiltinLabels | null>;
  /** Samples a model file without tfjs; null for an architecture it cannot run (src/model/fileSampler.ts). */
  fileSampler(saved: SavedModel): ((options: SampleOptions) => Promise<SampleResult>) | null;
}

type InitRequest = Extract<EngineRequest, { type: 'init' }>;

/** The engine's own test for a likely first visit that draws a first grid: nothing remembered, no backend pinned, sampleOnStart set. */
export function likelyFirstVisit(request: EngineRequest): request is InitRequest & { sampleOnStart: NonNullable<InitRequest['sampleOnStart']> } {
  return request.type === 'init' && !request.backend && !request.remembered && request.sampleOnStart !== undefined;
}

/** What an early grid draws from, read before the init request needs it (prepareEarlyGrid). */
export interface PreparedGrid {
  id: BuiltinDatasetId;
  saved: SavedModel;
  labels: BuiltinLabels | null;
  sample: (options: SampleOptions) => Promise<SampleResult>;
}

/**
 * Reads what a first grid from the shipped model needs, when the engine
 * would start from the shipped model: no model saved in this browser and
 * none of the user's images kept. Then the engine loads the shipped model
 * of the remembered built-in set whatever the init request says, so the
 * worker entry reads it as soon as it runs, before the request arrives.
 * Null when the engine would not start from it, or this build ships none,
 * or fileSampler cannot run its architecture. A failed read rejects: the
 * engine then reads again and reports it as it always does.
 */
export async function prepareEarlyGrid(deps: Omit<EarlyGridDeps, 'emit'>): Promise<PreparedGrid | null> {
  // As the engine: a model saved in this browser comes first, and the user's kept images decide the classes drawn.
  const [stored, files, remembered] = await Promise.all([deps.store.load(), deps.datasets?.load() ?? null, deps.datasets?.loadBuiltin?.() ?? null]);
  if (stored !== null || files !== null) return null;
  // A remembered set that is none draws the digits; the engine names it.
  const id = readRememberedBuiltin(remembered).id ?? 'digits';
  const [saved, labels] = await Promise.all([deps.loadPretrained(id), deps.loadLabels(id)]);
  if (!saved) return null;
  const sample = deps.fileSampler(saved);
  return sample ? { id, saved, labels, sample } : null;
}

/**
 * Starts drawing the grid the engine's init would draw first, from what
 * prepareEarlyGrid read, or returns null when `request` is not a likely
 * first visit or asks for settings the engine would refuse.
 */
export function startPreparedGrid(request: EngineRequest, prepared: PreparedGrid, emit: EarlyGridDeps['emit']): EarlyGrid | null {
  if (!likelyFirstVisit(request)) return null;
  const settings = request.sampleOnStart;
  if (settingsProblem(SAMPLE_SETTINGS, settings, ['guidance'])) return null;
  const { id, saved, labels, sample } = prepared;
  // The classes as the engine draws them once the set is loaded and split: as often as the training split has them.
  const { classes } = saved.config;
  const fits = labels !== null && labels.classNames.length === classes;
  const frequencies = classes > 0 && fits ? trainingSplitCounts(labels.labels, classes) : null;
  // A model with no steps takes the data's class names (Engine.adoptClassNames); a trained one keeps its own.
  const untrained = (saved.meta.steps ?? 0) === 0;
  const classNames = untrained && fits ? labels.classNames : (saved.meta.classNames ?? defaultClassNames(classes));
  let grid: ReturnType<typeof gridClasses>;
  try {
    grid = gridClasses(settings, classes, frequencies, classNames);
  } catch {
    // Classes the model cannot draw (a link's class it lacks): the engine draws the defaults and says why.
    return null;
  }
  const { guidance } = runGuidance(saved.config, modelGuidance(saved.config, saved.meta.guidance), settings.guidance);
  const session = new SamplingSession(saved, (_model, options) => sample(options), { ...settings, count: grid.count }, emit, {
    labels: grid.labels,
    captions: grid.captions,
    columns: grid.columns,
    guidance,
  });
  // A grid that failed is not adopted: the engine draws its own (on tfjs), and reports a failure of that one.
  let failed = false;
  session.finished.catch(() => {
    failed = true;
  });
  return { id, saved, session, failed: () => failed };
}

/**
 * A built-in set's labels and class names from its description file
 * (src/data/builtin.ts), without fetching its images; null when the file is
 * missing or has no usable labels. The engine's parse of the whole set
 * (parseBuiltin) is the one that reports a damaged file.
 */
export async function loadBuiltinLabels(id: BuiltinDatasetId): Promise<BuiltinLabels | null> {
  const bytes = await fetchAppFile(BUILTIN_DATASETS[id].metaPath);
  if (!bytes) return null;
  return parseBuiltinLabels(id, new TextDecoder().decode(bytes));
}

/** The labels in the text of a built-in set's description, or null when it has none that make sense. */
export function parseBuiltinLabels(id: BuiltinDatasetId, metaText: string): BuiltinLabels | null {
  let meta: { labels?: unknown; classNames?: unknown };
  try {
    meta = JSON.parse(metaText) as typeof meta;
  } catch {
    return null;
  }
  const names = id === 'digits' ? MNIST_CLASS_NAMES : meta.classNames;
  if (typeof meta.labels !== 'string' || !/^[0-9]*$/.test(meta.labels)) return null;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) return null;
  const labels = digitLabels(meta.labels);
  if (labels.some((label) => label >= names.length)) return null;
  return { labels, classNames: [...(names as string[])] };
}
