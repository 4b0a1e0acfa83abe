import { sameArchitecture, sampleIncremental } from '../../model';
import { runGuidance } from '../../model/guidance';
import type { BuiltinDatasetId } from '../../data/builtin';
import type { ImageDataset } from '../../data/types';
import { gridClasses } from '../conditioning';
import type { EarlyGrid } from '../earlyGrid';
import { UserFacingError, errorText, fatalEngineProblem } from '../errors';
import type { EngineEvent, ErrorContext, SampleSettings } from '../protocol';
import { type SampleRun, type SamplerFn, SamplingSession } from '../samplingSession';
import { SAMPLE_SETTINGS, settingsProblem } from '../settings';
import type { ModelSlot } from './modelSlot';
import { valueText } from '../../model/valueText';

/**
 * Sampling control: starts a grid (fresh images, a held-out image's
 * completion, the user's drawing continued), with the classes and guidance
 * weight it draws, stops it, and adopts a first visit's early grid as its
 * own. The latest run is kept after it ends, for the inspection views.
 */
export interface SamplingDeps {
  emit(event: EngineEvent, transfer?: Transferable[]): void;
  /** The model, the weight it samples with unless a request names one, and its class names. */
  slot: Pick<ModelSlot, 'require' | 'guidance' | 'classNames'>;
  /** Images per class in the training data, when its classes fit the model; null otherwise (ModelSlot, Datasets). */
  classCounts(): number[] | null;
  /** The held-out images, with their labels when they fit the model; throws when there is no data. */
  heldOut(): { images: ImageDataset; labels: Int32Array | null };
  /** How images are sampled; the incremental sampler unless a test swaps it. */
  sampler?: SamplerFn;
  /** A first visit's first grid, already drawing (EngineDeps.earlyGrid). */
  earlyGrid?: EarlyGrid;
  /** Reports a failure; a fatal one ends the engine (Engine.fail). */
  fail(context: ErrorContext, error: unknown): void;
}

type Prefix = (count: number) => { pixels: Int32Array; length: number };

export class SamplingControl {
  private sampling: SampleRun | null = null;
  /** The latest sampling run, kept after it ends so its images can be inspected. */
  private lastSampling: SampleRun | null = null;
  /** The early first grid (SamplingDeps.earlyGrid) was adopted or stopped. */
  private earlyGridSettled = false;

  constructor(private readonly deps: SamplingDeps) {}

  /** The run drawing now, or null. */
  get running(): SampleRun | null {
    return this.sampling;
  }

  /** The latest run, running or finished, or null. */
  get last(): SampleRun | null {
    return this.lastSampling;
  }

  /**
   * Samples `settings.count` images, or for a conditional model as many as
   * its class choice asks for; `prefix` (a completion) gives each image's
   * first sub-pixels, and `own` the completed image's class.
   */
  async start(settings: SampleSettings, prefix?: Prefix, own: number | null = null, oneRow = false): Promise<void> {
    const model = this.deps.slot.require();
    checkSampleSettings(settings);
    const grid = gridClasses(settings, model.config.classes, this.deps.classCounts(), this.deps.slot.classNames, own);
    const count = grid.count;
    await this.stop();
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

  /**
   * Keeps the top half of held-out image `testIndex` and samples the rest,
   * once per image of the grid. A conditional model drawing 'any' class
   * continues it as its own class, when the data's classes fit the model.
   */
  async complete(testIndex: number, settings: SampleSettings): Promise<void> {
    const { images: test, labels } = this.deps.heldOut();
    if (test.count === 0) throw new UserFacingError('sampling', 'The dataset in use holds no images out, so there is none to continue.');
    if (!Number.isInteger(testIndex) || testIndex < 0 || testIndex >= test.count) {
      throw new UserFacingError('sampling', `Pick a held-out image from 0 to ${test.count - 1}; got ${valueText(testIndex)}.`);
    }
    const perImage = test.width * test.height * test.channels;
    const image = test.pixels.subarray(testIndex * perImage, (testIndex + 1) * perImage);
    const length = Math.floor(test.height / 2) * test.width * test.channels;
    await this.start(settings, repeated(image, perImage, length), labels ? labels[testIndex] : null);
  }

  /**
   * Keeps the first `keepRows` rows of the user's drawing and samples the
   * rest, once per image of the grid, the images side by side (sideBySide).
   */
  async completeDrawing(image: Uint8Array, keepRows: number, settings: SampleSettings): Promise<void> {
    const { height, width, colorChannels, levels } = this.deps.slot.require().config;
    const perImage = height * width * colorChannels;
    if (!(image instanceof Uint8Array) || image.length !== perImage) {
      const colour = colorChannels === 3 ? 'RGB' : 'grayscale';
      throw new UserFacingError(
        'sampling',
        `The drawing must be ${width}×${height} ${colour} (${perImage} values) to match the model; got ${image?.length ?? 0} values.`,
      );
    }
    const outOfRange = image.findIndex((level) => level >= levels);
    if (outOfRange >= 0) {
      throw new UserFacingError('sampling', `The drawing has level ${image[outOfRange]} at value ${outOfRange}; this model has levels 0 to ${levels - 1}.`);
    }
    if (!Number.isInteger(keepRows) || keepRows < 0 || keepRows > height) {
      throw new UserFacingError('sampling', `Rows to keep must be a whole number from 0 to ${height}, got ${valueText(keepRows)}.`);
    }
    await this.start(settings, repeated(image, perImage, keepRows * width * colorChannels), null, true);
  }

  setDelay(delayMs: number): void {
    this.sampling?.setDelay(Math.max(0, delayMs));
  }

  /** Stops the running grid and waits until it has. */
  async stop(): Promise<void> {
    const session = this.sampling;
    if (!session) return;
    session.stop();
    await session.finished.catch(() => undefined);
  }

  /** Stops the running grid without waiting (the engine is dead). */
  halt(): void {
    this.sampling?.stop();
  }

  /**
   * Takes the early first grid (SamplingDeps.earlyGrid) as this start's first
   * grid when it draws what start(settings) would: the shipped model of set
   * `shipped`, just installed, with the same settings, classes and
   * captions. True when adopted.
   */
  adoptEarlyGrid(settings: SampleSettings, shipped: BuiltinDatasetId | null): boolean {
    const early = this.deps.earlyGrid;
    if (!early || this.earlyGridSettled || shipped !== early.id || early.failed()) return false;
    const model = this.deps.slot.require();
    if (settingsProblem(SAMPLE_SETTINGS, settings, ['guidance']) || !sameArchitecture(model.config, early.saved.config)) return false;
    const grid = gridClasses(settings, model.config.classes, this.deps.classCounts(), this.deps.slot.classNames);
    const drawn = early.session.drawn();
    const { guidance, dropped } = runGuidance(model.config, this.deps.slot.guidance, settings.guidance);
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
  async stopEarlyGrid(): Promise<void> {
    const early = this.deps.earlyGrid;
    if (!early || this.earlyGridSettled) return;
    this.earlyGridSettled = true;
    early.session.stop();
    await early.session.finished.catch(() => undefined);
  }

  /** The guidance weight a run with `settings` samples with; a weight the model cannot use is dropped with a notice. */
  private guidanceFor(settings: SampleSettings): number {
    const { guidance, dropped } = runGuidance(this.deps.slot.require().config, this.deps.slot.guidance, settings.guidance);
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
          ? this.deps.fail('sampling', error)
          : this.deps.emit({ type: 'error', context: 'sampling', message: `Sampling failed: ${errorText(error)}` }),
      )
      .finally(() => {
        if (this.sampling === session) this.sampling = null;
      });
  }
}

/** Each image of a grid of `count` starts as `image`, its first `length` sub-pixels kept. */
function repeated(image: ArrayLike<number>, perImage: number, length: number): Prefix {
  return (count) => {
    const pixels = new Int32Array(count * perImage);
    for (let b = 0; b < count; b++) pixels.set(image, b * perImage);
    return { pixels, length };
  };
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
