import type { PixelCNNConfig } from '../../model';
import { droppedSentence } from '../../model/fields';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, type BuiltinDatasetId } from '../../data/builtin';
import { datasetClasses } from '../../data/classes';
import { importImages } from '../../data/importImages';
import { retargetDataset } from '../../data/retarget';
import type { SourceFacts } from '../../data/sourceFacts';
import { splitDataset } from '../../data/split';
import { readStoredFiles } from '../../data/storedFiles';
import type { ImageDataset, ImageTarget, InputFile, SkippedFile } from '../../data/types';
import { classMismatch, classSummary } from '../conditioning';
import { UserFacingError, errorText } from '../errors';
import type { DatasetSummary, EngineEvent } from '../protocol';
import { readRememberedBuiltin } from '../modelStore';
import type { EngineDeps } from './deps';
import { type Persistence, isStorageFull } from './persistence';

/**
 * The datasets: the images in use (a built-in set or the user's own files),
 * split into training and held-out images and fitted to the model's
 * geometry; the built-in sets, each fetched once; what the browser keeps of
 * the choice between visits; and whether the data's classes fit the model.
 */
export interface DatasetsDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  /** Where images come from and are kept: the built-in sets' loaders, the image decoder, the store of the user's images. */
  files: Pick<EngineDeps, 'loadBuiltinDigits' | 'loadBuiltin' | 'decode' | 'datasets'>;
  /** Whether this tab writes browser storage, and the check of a refused write. */
  persistence: Pick<Persistence, 'saving' | 'writeRefused' | 'room'>;
  /** The model's config: the images are fitted to its geometry. */
  config(): PixelCNNConfig;
  /** Other data is in use: true when the model took the data's class names (it is announced again, after the data). */
  changed(): boolean;
  announceModel(): Promise<void>;
}

export type DatasetSource = { kind: 'builtin'; id: BuiltinDatasetId } | { kind: 'files'; files: InputFile[] };

export interface LoadedData {
  name: string;
  train: ImageDataset;
  test: ImageDataset;
  accepted: number;
  skipped: SkippedFile[];
  /** Why the images have no classes; null when they have classes. */
  unlabelledReason: string | null;
  /** The user's images' own size and colour, before they were fitted to the model; null for a built-in set. */
  facts: SourceFacts | null;
}

/** Said when the built-in digits arrive without labels (an old or damaged prepared file). */
const DIGITS_UNLABELLED = 'the built-in digits came without their labels; run npm run prepare-data to rebuild public/data';
const BUILTIN_UNLABELLED = 'the built-in images came without their labels; run npm run prepare-data to rebuild public/data';
const PREVIEW_IMAGES = 32;

export class Datasets {
  private current: DatasetSource = { kind: 'builtin', id: 'digits' };
  /** Built-in datasets at their stored geometry, each loaded once. */
  private readonly builtins = new Map<BuiltinDatasetId, ImageDataset>();
  private loaded: LoadedData | null = null;

  constructor(private readonly deps: DatasetsDeps) {}

  /** Where the images in use came from. */
  get source(): DatasetSource {
    return this.current;
  }

  /** The images in use, or null before any are. */
  get data(): LoadedData | null {
    return this.loaded;
  }

  /** The data, or a plain-words error when there is nothing to train on. */
  require(): LoadedData {
    if (!this.loaded || this.loaded.train.count === 0)
      throw new UserFacingError('training', 'There is no training data yet: drop some images or use the MNIST digits.');
    return this.loaded;
  }

  /** Why the data cannot train or score a model with `classes` classes, or null when it can. */
  mismatch(classes: number): string | null {
    if (!this.loaded) return null;
    return classMismatch(classes, this.loaded.train, this.loaded.unlabelledReason);
  }

  /** The training data's class names, or null when it has none. */
  classNames(): readonly string[] | null {
    return (this.loaded && datasetClasses(this.loaded.train)?.classNames) ?? null;
  }

  /** The held-out images, with their labels when they fit a model of `classes` classes (`problem` says why not); null without data. */
  heldOut(classes: number): { images: ImageDataset; labels: Int32Array | null; problem: string | null } | null {
    if (!this.loaded) return null;
    const { test } = this.loaded;
    const problem = this.mismatch(classes);
    return { images: test, labels: problem === null && test.labels ? test.labels : null, problem };
  }

  /** Images per class in the training data, when its classes fit a model of `classes` classes; null otherwise. */
  trainingClassCounts(classes: number): number[] | null {
    if (!this.loaded || this.mismatch(classes) !== null) return null;
    return classSummary(this.loaded.train, this.loaded.test)?.map((c) => c.train) ?? null;
  }

  /** The built-in dataset whose shipped model "go back to the shipped model" means: the one in use, else the one the model's size fits. */
  shippedModelId(config: PixelCNNConfig | undefined): BuiltinDatasetId {
    if (this.current.kind === 'builtin') return this.current.id;
    const fits = BUILTIN_DATASET_IDS.find((id) => {
      const set = BUILTIN_DATASETS[id];
      return config && set.width === config.width && set.height === config.height && set.channels === config.colorChannels;
    });
    return fits ?? 'digits';
  }

  /** Puts `source`'s images in use, fitted to the model. `announce`: tell the page now (see setData). */
  async use(source: DatasetSource, announce = true): Promise<void> {
    if (source.kind === 'builtin') {
      const { id } = source;
      const dataset = retargetDataset(await this.builtinImages(id), this.target());
      const unlabelled = id === 'digits' ? DIGITS_UNLABELLED : BUILTIN_UNLABELLED;
      const reason = datasetClasses(dataset) ? null : `${unlabelled[0].toUpperCase()}${unlabelled.slice(1)}.`;
      await this.setData(source, BUILTIN_DATASETS[id].label, dataset, dataset.count, [], reason, announce, null);
      return;
    }
    await this.importFiles(source.files, { announce });
  }

  /** A built-in dataset at its stored geometry, fetched once. */
  async builtinImages(id: BuiltinDatasetId): Promise<ImageDataset> {
    let stored = this.builtins.get(id);
    if (!stored) {
      if (id !== 'digits' && !this.deps.files.loadBuiltin)
        throw new UserFacingError('dataset', `This copy of the app has no built-in ${BUILTIN_DATASETS[id].title.toLowerCase()}.`);
      stored = id === 'digits' ? await this.deps.files.loadBuiltinDigits() : await this.deps.files.loadBuiltin!(id);
      this.builtins.set(id, stored);
    }
    return stored;
  }

  /**
   * The user's images, added to the ones in use (`add`, when those are the user's too) or in their place, and kept for the next visit.
   * `signal` cancels the import between files: then nothing of it is used or kept, and the images in use stay.
   */
  async importRequest(files: InputFile[], mode: 'add' | 'replace' | undefined, notRead: SkippedFile[] | undefined, signal?: AbortSignal): Promise<void> {
    const all = mode === 'add' && this.current.kind === 'files' ? [...this.current.files, ...files] : files;
    try {
      await this.importFiles(all, { notRead, signal });
    } catch (error) {
      if (!signal?.aborted) throw error;
      const inUse = this.loaded ? `the images in use are still the ${this.loaded.name}` : 'no images are in use';
      throw new UserFacingError('dataset', `The import was cancelled: nothing of it was kept, and ${inUse}.`);
    }
    await this.keep(all);
  }

  /** The built-in dataset chosen last time, when the browser kept the choice; a stored value that is none is named in a notice (readRememberedBuiltin). */
  async rememberedBuiltin(): Promise<BuiltinDatasetId | null> {
    let stored: unknown;
    try {
      stored = await this.deps.files.datasets?.loadBuiltin?.();
    } catch {
      return null;
    }
    const { id, notice } = readRememberedBuiltin(stored);
    if (notice) this.deps.emit({ type: 'notice', message: notice });
    return id;
  }

  /**
   * The images the user dropped last time, if the browser kept them; else
   * `builtin`, the built-in set chosen last (start-up has read it already,
   * with rememberedBuiltin). `announce`: as in setData.
   */
  async restore(builtin: BuiltinDatasetId, announce = true): Promise<void> {
    let files: InputFile[] | null = null;
    try {
      const read = readStoredFiles(await this.deps.files.datasets?.load());
      files = read.files;
      const dropped = droppedSentence('Your images from last time', read.report, files?.length ? 'the rest are used' : 'the built-in digits are used');
      if (dropped) this.deps.emit({ type: 'notice', message: dropped });
      if (files?.length === 0) files = null;
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
    await this.use({ kind: 'builtin', id: builtin }, announce);
  }

  /** Remembers the dataset for the next visit; `null` for a built-in one, `builtin` (the digits by default). */
  async keep(files: InputFile[] | null, builtin: BuiltinDatasetId = 'digits'): Promise<void> {
    if (!this.deps.persistence.saving) return;
    try {
      await this.deps.files.datasets?.save(files);
      if (!files) await this.deps.files.datasets?.saveBuiltin?.(builtin);
    } catch (error) {
      if (await this.deps.persistence.writeRefused(error)) return;
      if (files && isStorageFull(error)) {
        const bytes = files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
        this.deps.emit({
          type: 'notice',
          message:
            `Your images could not be saved in this browser: its storage for this site is full. Saving them needs about ${await this.deps.persistence.room(bytes)}. ` +
            'They are in use now, but a reload will start from the built-in digits. To make room, delete old entries in History, or keep fewer images.',
        });
        return;
      }
      this.deps.emit({
        type: 'notice',
        message: `Your images could not be kept in this browser (${errorText(error)}); they are in use now, but a reload will start from the built-in digits.`,
      });
    }
  }

  /** Remembers the dataset in use (a tab that takes over storage writes what it shows). */
  keepCurrent(): Promise<void> {
    const source = this.current;
    return source.kind === 'files' ? this.keep(source.files) : this.keep(null, source.id);
  }

  /** Sends the page the data in use, and the model again when its class names just changed (`renamed`). */
  async announce(renamed: boolean): Promise<void> {
    if (this.loaded) this.emitDataset(this.loaded);
    if (renamed) await this.deps.announceModel();
  }

  private target(): ImageTarget {
    const { width, height, colorChannels, levels } = this.deps.config();
    return { width, height, channels: colorChannels, levels };
  }

  /** `quiet`: no notice about skipped files (a restored dataset was reported when it was dropped). `notRead`: files the page left out. */
  private async importFiles(
    files: InputFile[],
    { quiet = false, notRead = [] as SkippedFile[], announce = true, signal = undefined as AbortSignal | undefined } = {},
  ): Promise<void> {
    const report = await importImages(files, this.target(), {
      decode: this.deps.files.decode,
      onProgress: (p) => this.deps.emit({ type: 'datasetProgress', done: p.done, total: p.total }),
      signal,
    });
    // Cancelled after the last file: still nothing of it is used.
    signal?.throwIfAborted();
    if (notRead.length > 0) report.skipped = [...report.skipped, ...notRead];
    if (!report.dataset) {
      // Keep what we had, with its own counts; list why nothing from this drop could be used.
      if (this.loaded) this.emitDataset(this.loaded, report.skipped);
      throw new UserFacingError('dataset', report.message);
    }
    const name = `${report.accepted.toLocaleString('en-US')} imported image${report.accepted === 1 ? '' : 's'}`;
    const facts = report.source ?? null;
    await this.setData({ kind: 'files', files }, name, report.dataset, report.accepted, report.skipped, report.unlabelledReason ?? null, announce, facts);
    if (report.skipped.length > 0 && !quiet) this.deps.emit({ type: 'notice', message: report.message });
  }

  /** `announce`: false while the start-up's first grid comes first; the caller announces later. */
  private async setData(
    source: DatasetSource,
    name: string,
    dataset: ImageDataset,
    accepted: number,
    skipped: SkippedFile[],
    unlabelledReason: string | null,
    announce: boolean,
    facts: SourceFacts | null,
  ): Promise<void> {
    const { train, test } = splitDataset(dataset);
    this.current = source;
    this.loaded = { name, train, test, accepted, skipped, unlabelledReason, facts };
    const renamed = this.deps.changed();
    if (announce) await this.announce(renamed);
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
      builtin: this.current.kind === 'builtin' ? this.current.id : null,
      ...(failedDrop ? { failedDrop } : {}),
    };
    this.deps.emit({ type: 'dataset', dataset: summary }, [preview.buffer]);
  }
}
